/* models/mesh/telemetry.h - what the proxies report, in the formats real
 * tools read: Prometheus metrics with Istio's names and labels, Istio's
 * default access-log lines, the service graph (Graphviz DOT or Mermaid)
 * and a per-second time series (CSV).
 *
 * Every proxy that handles a request reports it once, as Istio's stats
 * filter does: client sidecars and the gateway with reporter="source",
 * server sidecars with reporter="destination".  A request answered by the
 * client proxy itself (UO, UH, NR, FI, NC) is therefore reported by the
 * source only.  With no output asked for, nothing here runs: the mesh
 * holds no MsTelemetry and the hot path pays one NULL check.
 */
#pragma once

#include "models/kube/cluster.h"
#include "models/kube/trace.h"
#include "sim/io/report.h"

G_BEGIN_DECLS

typedef struct {
  const char *metrics;      /* Prometheus text exposition, or NULL */
  const char *access_log;   /* Istio's TEXT access-log format, or NULL */
  const char *graph;        /* .dot or .mmd, or NULL */
  const char *timeseries;   /* .csv, or NULL */
  gboolean live_metrics;    /* keep metrics for ms_telemetry_metrics (serve) */
  const char *traces;       /* Zipkin v2 JSON, or NULL */
  double trace_sample;      /* share of new traces recorded, 0..1 */
  gboolean series;          /* keep per-second series for the HTML report */
} MsTelemetryOutputs;

/* One request as one proxy saw it. */
typedef struct {
  gboolean source;              /* reporter: source (client) or destination */
  const MsPod *proxy;           /* the reporting proxy's pod */
  const MsPod *client;          /* the workload that sent it, or NULL */
  const MsPod *server;          /* the pod it went to, or NULL */
  const MsService *service;     /* the destination Service, or NULL */
  const MsRequest *request;
  const char *cluster;          /* outbound|80||reviews... or inbound|9080|| */
  int status;
  guint32 flags;
  MsTime start;
  MsTime end;
  gsize request_bytes;
  gsize response_bytes;
  gboolean mtls;
  const char *details;          /* %RESPONSE_CODE_DETAILS%, or NULL */
} MsTelemetryRecord;

typedef struct _MsTelemetry MsTelemetry;

/* Checks the paths (NULL when every output is NULL): a graph must end in
 * .dot or .mmd, and every file must be writable. */
MsTelemetry *ms_telemetry_new (const MsTelemetryOutputs *outputs, GError **error);
void ms_telemetry_free (MsTelemetry *telemetry);

void ms_telemetry_record (MsTelemetry *telemetry, const MsTelemetryRecord *record);

/* The Envoy cluster name a server sidecar reports for its inbound port,
 * "inbound|9080||", made once per port and kept until the telemetry is
 * freed, so that reports need not format it.  (transfer none) */
const char *ms_telemetry_inbound_cluster (MsTelemetry *telemetry, int port);

/* The tracer to give the cluster when traces are asked for, else NULL;
 * span ids and sampling draw from their own stream of seed.
 * (transfer none) */
const MsTracer *ms_telemetry_tracer (MsTelemetry *telemetry, guint64 seed);

/* Adds series.<service>.{requests, ok_share, p99_ms} (one value per
 * second, as the client proxies saw them) to the report, for the HTML
 * report's charts. */
void ms_telemetry_report_series (MsTelemetry *telemetry, MsReportNode *root);

/* The metrics as Prometheus text, now.  (transfer full) */
GString *ms_telemetry_metrics (MsTelemetry *telemetry);

/* Writes every file (end: the run's length, for rates).  FALSE with an
 * error (G_FILE_ERROR) if one cannot be written.  Once, at the end of the
 * run: it closes the access log and hands over the traces' text. */
gboolean ms_telemetry_write (MsTelemetry *telemetry, MsTime end, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsTelemetry, ms_telemetry_free)

G_END_DECLS
