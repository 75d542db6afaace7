/* models/mesh/telemetry-private.h - the telemetry's insides, shared by
 * its core (telemetry.c: metrics, graph, time series), its access log
 * (telemetry-log.c) and its traces (telemetry-trace.c).  Not a public
 * header: other models use telemetry.h.
 *
 * Everything here lives as long as the MsTelemetry; the functions are
 * called on the run's thread only, except the access log's writer, whose
 * share of the struct is described at LOG_CHUNK.
 */
#pragma once

#include "models/mesh/telemetry.h"
#include "sim/core/histogram.h"

#include <stdio.h>
#include <string.h>

G_BEGIN_DECLS

/* Envoy's default histogram buckets (reference section 4). */
static const double duration_buckets[] = {
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000,
  600000, 1800000, 3600000,
};
static const double byte_buckets[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000 };

#define N_DURATION G_N_ELEMENTS (duration_buckets)
#define N_BYTES G_N_ELEMENTS (byte_buckets)

typedef struct {
  guint64 counts[N_DURATION + 1];
  double sum;
  guint64 count;
} Buckets;

typedef struct {
  char *labels;             /* the label set, already formatted */
  guint64 requests;
  Buckets duration, request_bytes, response_bytes;
} Series;

/* Per second of one edge, for the time series. */
typedef struct {
  guint64 requests, ok, client_error, server_error, no_response;
  MsHistogram *latency;
} Second;

typedef struct {
  char *source;             /* client workload */
  char *destination;        /* Service */
  guint64 requests, errors;
  MsHistogram *latency;
  GArray *seconds;          /* Second, index = second of the run */
  GHashTable *versions;     /* destination workload (borrowed) -> guint64 * requests (for the graph) */
} Edge;

/* What a report's outputs depend on, apart from its times, sizes and
 * request line.  Pods, Services and Envoy clusters live as long as the
 * run, hosts are interned and details are string constants, so pointers
 * identify them. */
typedef struct {
  const MsPod *proxy, *client, *server;
  const MsService *service;
  const char *cluster;
  const char *host;
  const char *details;
  int status;
  guint32 flags;
  gboolean source, mtls;
} PathKey;

/* What is made once per PathKey. */
typedef struct {
  PathKey key;
  Series *series;           /* NULL without metrics (borrowed from series) */
  Edge *edge;               /* NULL for destination reports or without graph/series */
  guint64 *server_requests; /* edge->versions' count for the server's workload, or NULL */
  /* The access log, from %RESPONSE_CODE% up to %UPSTREAM_TRANSFER_FAILURE_REASON%
   * and from %REQ(:AUTHORITY)% to the end of the line. */
  char *log_outcome, *log_tail;
  gsize log_outcome_length, log_tail_length;
  gboolean log_upstream_time; /* %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% is set */
} Path;

/* The access log is written by a thread of its own, as Envoy flushes its
 * access logs from one: copying the lines into the page cache (128 MB for
 * the bench chain, 40-50 ms in the kernel) then overlaps the run instead
 * of adding to it.  The run formats lines into a chunk; a full chunk goes
 * to the writer through log_full and comes back through log_empty.  One
 * writer, taking chunks in order, writes the same bytes as writing inline
 * would.  There are LOG_CHUNKS chunks, so when the disk falls behind the
 * run waits for it instead of holding the whole log in memory.  A chunk
 * is 1 MB: the writer is faster than the run and sleeps after each one,
 * and waking it costs the run a futex wake (60 us in this VM); with
 * 128 KB chunks, 1,000 wakes were 60 ms of the bench chain's run. */
#define LOG_CHUNK (1024 * 1024)
#define LOG_CHUNKS 4

typedef struct {
  char *data;
  gsize used, size;
} LogChunk;

#define PATH_SLOT_BITS 8
#define PATH_SLOTS (1 << PATH_SLOT_BITS)

struct _MsTelemetry {
  MsTelemetryOutputs outputs;
  char *paths[5];
  MsTracer tracer;
  MsRandom random;          /* span ids and sampling, stream "traces" */
  GString *spans;           /* the traces file: "[\n" and the span objects, comma-separated */
  GHashTable *endpoints;    /* MsPod * -> GString *, its Zipkin endpoint */
  guint64 n_spans;
  GHashTable *series;       /* labels -> Series * */
  GHashTable *reports;      /* PathKey * -> Path * */
  Path *recent[PATH_SLOTS]; /* the last Path per slot of its hash, see path_of */
  GHashTable *inbound_clusters; /* target port -> "inbound|PORT||" */
  FILE *access_file;        /* written as the run goes: it is the biggest output */
  char *log_replace;        /* access_file's name, to rename over the old log, or NULL */
  LogChunk log_chunks[LOG_CHUNKS];
  LogChunk *log_chunk;      /* the one being filled */
  GThread *log_writer;      /* writes access_file; see log_write_chunks */
  GAsyncQueue *log_full;    /* LogChunk *, to write, in order; the MsTelemetry stops it */
  GAsyncQueue *log_empty;   /* LogChunk *, written, to fill again */
  int log_error;            /* errno of the first failed write, 0 if none */
  gint64 log_second;        /* the second log_clock holds, or -1 */
  char log_clock[20];       /* "1970-01-01THH:MM:SS." */
  GHashTable *edges;        /* "source\tdestination" -> Edge * */
};

/* The workload a pod belongs to (its Deployment), or the pod's own name
 * outside one; NULL for no pod. */
static inline const char *
workload_of (const MsPod *pod)
{
  if (pod == NULL)
    return NULL;
  return pod->deployment ? pod->deployment->name : pod->name;
}

/* Writing without printf, for the access log and the spans. */

static inline char *
put (char *p, const char *s, gsize length)
{
  memcpy (p, s, length);
  return p + length;
}

/* A string constant: its length is known when compiling. */
#define put_literal(p, s) put (p, s, sizeof s - 1)

/* A decimal integer, without printf: counted, then written from its
 * last digit back. */
#define INT_DIGITS 20
static inline char *
put_int (char *p, guint64 value)
{
  int digits = 1;
  for (guint64 rest = value; rest >= 10; rest /= 10)
    digits++;
  for (char *q = p + digits; q > p; value /= 10)
    *--q = (char) ('0' + value % 10);
  return p + digits;
}

/* The access log (telemetry-log.c). */

/* Starts the writer thread on access_file, once it is open. */
void ms_telemetry_log_start (MsTelemetry *t);

/* Hands the last lines to the writer, waits for it and closes the file.
 * FALSE with an error if a write failed; TRUE at once without a log. */
gboolean ms_telemetry_log_finish (MsTelemetry *t, GError **error);

/* Fills path's log_* fields, the line's parts that depend on the path. */
void ms_telemetry_path_log_pieces (Path *path, const MsTelemetryRecord *r);

/* Appends the report's line to the chunk being filled. */
void ms_telemetry_log_line (MsTelemetry *t, const Path *path, const MsTelemetryRecord *r);

/* The pod's made-up but stable address, "10.x.y.z:80", or "-" for no pod. */
void ms_telemetry_pod_address (const MsPod *pod, char *buf, gsize size);

G_END_DECLS
