/* models/mesh/telemetry.c - metrics, access log, graph and time series.
 *
 * Metrics are kept as one entry per distinct label set (a string key built
 * from the labels in Istio's order), each with its counter and three
 * histograms; they are written sorted by key, so the file does not depend
 * on hash order.  The access log is built in memory in completion order and
 * written at the end.  The graph and the time series come from the source
 * reports only (what client proxies saw), per (client workload, Service).
 */
#include "models/mesh/telemetry.h"

#include "models/mesh/security.h"
#include "sim/core/histogram.h"
#include "sim/io/report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
  GHashTable *versions;     /* destination workload (borrowed) -> requests (for the graph) */
} Edge;

struct _MsTelemetry {
  MsTelemetryOutputs outputs;
  char *paths[5];
  MsTracer tracer;
  MsRandom random;          /* span ids and sampling, stream "traces" */
  GString *spans;           /* Zipkin v2 span objects, comma-separated */
  guint64 n_spans;
  GHashTable *series;       /* labels -> Series * */
  GHashTable *series_by_key; /* SeriesKey * -> Series * (borrowed), to skip formatting */
  GHashTable *addresses;    /* MsPod * -> its access-log address, made once */
  GHashTable *edges_by_key; /* EdgeKey * -> Edge * (borrowed), to skip formatting */
  GString *access_log;      /* lines not yet written to access_file */
  FILE *access_file;        /* written as the run goes: it is the biggest output */
  GHashTable *edges;        /* "source\tdestination" -> Edge * */
};

static void
series_free (gpointer data)
{
  Series *s = data;
  g_free (s->labels);
  g_free (s);
}

static void
edge_free (gpointer data)
{
  Edge *e = data;
  g_free (e->source);
  g_free (e->destination);
  ms_histogram_free (e->latency);
  for (guint i = 0; i < e->seconds->len; i++)
    ms_histogram_free (g_array_index (e->seconds, Second, i).latency);
  g_array_unref (e->seconds);
  g_hash_table_unref (e->versions);
  g_free (e);
}

/* What a series' labels are made from (see format_labels). */
typedef struct {
  const MsPod *client, *server;
  const MsService *service;
  int status;
  guint32 flags;
  gboolean source, mtls;
} SeriesKey;

static guint
series_key_hash (gconstpointer p)
{
  const SeriesKey *k = p;
  guint h = g_direct_hash (k->client);
  h = h * 31 + g_direct_hash (k->server);
  h = h * 31 + g_direct_hash (k->service);
  h = h * 31 + (guint) k->status;
  h = h * 31 + k->flags;
  return h * 4 + (guint) (k->source * 2 + k->mtls);
}

static gboolean
series_key_equal (gconstpointer a, gconstpointer b)
{
  const SeriesKey *x = a, *y = b;
  return x->client == y->client && x->server == y->server && x->service == y->service
         && x->status == y->status && x->flags == y->flags && x->source == y->source
         && x->mtls == y->mtls;
}

/* The client pod and the destination (a Service's name or an interned
 * host) an edge is made from. */
typedef struct {
  const MsPod *client;
  const char *destination;
} EdgeKey;

static guint
edge_key_hash (gconstpointer p)
{
  const EdgeKey *k = p;
  return g_direct_hash (k->client) * 31 + g_direct_hash (k->destination);
}

static gboolean
edge_key_equal (gconstpointer a, gconstpointer b)
{
  const EdgeKey *x = a, *y = b;
  return x->client == y->client && x->destination == y->destination;
}

MsTelemetry *
ms_telemetry_new (const MsTelemetryOutputs *outputs, GError **error)
{
  if (outputs == NULL
      || (!outputs->metrics && !outputs->access_log && !outputs->graph && !outputs->timeseries
          && !outputs->live_metrics && !outputs->traces && !outputs->series))
    return NULL;
  if (outputs->graph != NULL && !g_str_has_suffix (outputs->graph, ".dot")
      && !g_str_has_suffix (outputs->graph, ".mmd"))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "--graph %s: name the file .dot (Graphviz) or .mmd (Mermaid)", outputs->graph);
      return NULL;
    }
  MsTelemetry *t = g_new0 (MsTelemetry, 1);
  t->paths[0] = g_strdup (outputs->metrics);
  t->paths[1] = g_strdup (outputs->access_log);
  t->paths[2] = g_strdup (outputs->graph);
  t->paths[3] = g_strdup (outputs->timeseries);
  t->paths[4] = g_strdup (outputs->traces);
  t->outputs = (MsTelemetryOutputs){ t->paths[0], t->paths[1], t->paths[2], t->paths[3],
                                     outputs->live_metrics, t->paths[4], outputs->trace_sample,
                                     outputs->series };
  t->spans = g_string_new (NULL);
  t->series = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, series_free);
  t->series_by_key = g_hash_table_new_full (series_key_hash, series_key_equal, g_free, NULL);
  t->addresses = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  t->edges_by_key = g_hash_table_new_full (edge_key_hash, edge_key_equal, g_free, NULL);
  t->access_log = g_string_new (NULL);
  t->edges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, edge_free);
  if (outputs->access_log != NULL
      && (t->access_file = fopen (outputs->access_log, "w")) == NULL)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot write %s: %s",
                   outputs->access_log, g_strerror (saved));
      ms_telemetry_free (t);
      return NULL;
    }
  return t;
}

/* Hands the buffered access-log lines to the file. */
static void
flush_access_log (MsTelemetry *t)
{
  fwrite (t->access_log->str, 1, t->access_log->len, t->access_file);
  g_string_truncate (t->access_log, 0);
}

void
ms_telemetry_free (MsTelemetry *t)
{
  if (t == NULL)
    return;
  for (int i = 0; i < 5; i++)
    g_free (t->paths[i]);
  g_string_free (t->spans, TRUE);
  g_hash_table_unref (t->series_by_key);
  g_hash_table_unref (t->addresses);
  g_hash_table_unref (t->edges_by_key);
  g_hash_table_unref (t->series);
  g_string_free (t->access_log, TRUE);
  if (t->access_file != NULL)
    fclose (t->access_file);
  g_hash_table_unref (t->edges);
  g_free (t);
}

/* Labels. */

static void
append_label (GString *out, const char *name, const char *value)
{
  if (out->len > 0)
    g_string_append_c (out, ',');
  g_string_append_printf (out, "%s=\"", name);
  for (const char *c = value ? value : "unknown"; *c; c++)
    {
      if (*c == '\\' || *c == '"')
        g_string_append_c (out, '\\');
      if (*c == '\n')
        {
          g_string_append (out, "\\n");
          continue;
        }
      g_string_append_c (out, *c);
    }
  g_string_append_c (out, '"');
}

static const char *
workload_of (const MsPod *pod)
{
  if (pod == NULL)
    return NULL;
  return pod->deployment ? pod->deployment->name : pod->name;
}

static const char *
app_of (const MsPod *pod)
{
  if (pod == NULL)
    return NULL;
  if (pod->deployment == NULL)
    return g_str_equal (pod->name, "istio-ingressgateway") ? "istio-ingressgateway" : NULL;
  return pod->labels ? ms_labels_get (pod->labels, "app") : NULL;
}

static const char *
version_of (const MsPod *pod)
{
  if (pod == NULL || pod->labels == NULL)
    return NULL;
  return ms_labels_get (pod->labels, "version");
}

static char *
format_labels (const MsTelemetryRecord *r)
{
  char code[8];
  char flags[64];
  GString *out = g_string_new (NULL);
  append_label (out, "reporter", r->source ? "source" : "destination");
  append_label (out, "source_workload", workload_of (r->client));
  append_label (out, "source_workload_namespace", r->client ? r->client->namespace_ : NULL);
  append_label (out, "source_principal", r->mtls && r->client ? ms_security_principal (r->client) : NULL);
  append_label (out, "source_app", app_of (r->client));
  append_label (out, "source_version", version_of (r->client));
  append_label (out, "destination_workload", workload_of (r->server));
  append_label (out, "destination_workload_namespace", r->server ? r->server->namespace_ : NULL);
  append_label (out, "destination_principal", r->mtls && r->server ? ms_security_principal (r->server) : NULL);
  append_label (out, "destination_app", app_of (r->server));
  append_label (out, "destination_version", version_of (r->server));
  append_label (out, "destination_service", r->service ? r->service->fqdn : NULL);
  append_label (out, "destination_service_name", r->service ? r->service->name : NULL);
  append_label (out, "destination_service_namespace", r->service ? r->service->namespace_ : NULL);
  append_label (out, "request_protocol", "http");
  g_snprintf (code, sizeof code, "%d", r->status);
  append_label (out, "response_code", code);
  append_label (out, "response_flags", ms_response_flags_format (r->flags, flags));
  /* Istio: mutual_tls when the destination reports over mTLS; the source
   * always reports unknown. */
  append_label (out, "connection_security_policy",
                r->source ? "unknown" : r->mtls ? "mutual_tls" : "none");
  return g_string_free (out, FALSE);
}

static void
bucket_add (Buckets *b, const double *bounds, guint n, double value)
{
  guint i = 0;
  while (i < n && value > bounds[i])
    i++;
  b->counts[i]++;
  b->sum += value;
  b->count++;
}

/* The access log: Istio's default TEXT format, one line per proxy per
 * request.  Addresses are made up but stable: one per pod. */
static void
pod_address (const MsPod *pod, char *buf, gsize size)
{
  if (pod == NULL)
    {
      g_strlcpy (buf, "-", size);
      return;
    }
  guint h = g_str_hash (pod->name) ^ (pod->namespace_ ? g_str_hash (pod->namespace_) : 0);
  g_snprintf (buf, size, "10.%u.%u.%u:%d", (h >> 16) & 0xff, (h >> 8) & 0xff, (h & 0xfe) + 1,
              80);
}

/* A decimal integer, without printf (the access log writes millions). */
static void
append_int (GString *out, gint64 value)
{
  char buf[24];
  char *end = buf + sizeof buf, *p = end;
  guint64 v = value < 0 ? -(guint64) value : (guint64) value;
  do
    *--p = (char) ('0' + v % 10);
  while ((v /= 10) != 0);
  if (value < 0)
    *--p = '-';
  g_string_append_len (out, p, end - p);
}

/* value as exactly width digits, zero-padded. */
static void
append_digits (GString *out, gint64 value, int width)
{
  char buf[8];
  for (int i = width - 1; i >= 0; i--, value /= 10)
    buf[i] = (char) ('0' + value % 10);
  g_string_append_len (out, buf, width);
}

static void
append_time (GString *out, MsTime t)
{
  /* The run starts at the Unix epoch. */
  gint64 ms = t / 1000;
  gint64 s = ms / 1000;
  g_string_append (out, "1970-01-01T");
  append_digits (out, (s / 3600) % 24, 2);
  g_string_append_c (out, ':');
  append_digits (out, (s / 60) % 60, 2);
  g_string_append_c (out, ':');
  append_digits (out, s % 60, 2);
  g_string_append_c (out, '.');
  append_digits (out, ms % 1000, 3);
  g_string_append_c (out, 'Z');
}

/* pod_address, made once per pod. */
static const char *
log_address (MsTelemetry *t, const MsPod *pod)
{
  if (pod == NULL)
    return "-";
  char *address = g_hash_table_lookup (t->addresses, pod);
  if (address == NULL)
    {
      char buf[32];
      pod_address (pod, buf, sizeof buf);
      address = g_strdup (buf);
      g_hash_table_insert (t->addresses, (gpointer) pod, address);
    }
  return address;
}

static void
log_line (MsTelemetry *t, const MsTelemetryRecord *r)
{
  GString *out = t->access_log;
  char flags[64];
  const MsRequest *q = r->request;
  const char *id = ms_request_header (q, "x-request-id");
  const char *agent = ms_request_header (q, "user-agent");
  const char *up = log_address (t, r->source ? r->server : r->proxy);
  const char *down = log_address (t, r->source ? r->proxy : r->client);
  const char *local = log_address (t, r->proxy);
  g_string_append_c (out, '[');
  append_time (out, r->start);
  /* Istio's default format:
   * [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
   * %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%
   * %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%"
   * %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
   * "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%"
   * "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS%
   * %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%
   * %ROUTE_NAME% */
  gint64 duration_ms = (r->end - r->start) / 1000;
  g_string_append (out, "] \"");
  g_string_append (out, q->method);
  g_string_append_c (out, ' ');
  g_string_append (out, q->path);
  g_string_append (out, " HTTP/1.1\" ");
  append_int (out, r->status);
  g_string_append_c (out, ' ');
  g_string_append (out, ms_response_flags_format (r->flags, flags));
  g_string_append_c (out, ' ');
  g_string_append (out, r->details ? r->details
                        : r->status == 0 ? "upstream_reset_before_response_started"
                        : (r->flags & MS_FLAG_NR) ? "route_not_found"
                        : r->flags ? "local_reply" : "via_upstream");
  g_string_append (out, " - \"-\" ");
  append_int (out, (gint64) r->request_bytes);
  g_string_append_c (out, ' ');
  append_int (out, (gint64) r->response_bytes);
  g_string_append_c (out, ' ');
  append_int (out, duration_ms);
  g_string_append_c (out, ' ');
  if (r->server != NULL && r->status != 0)
    append_int (out, duration_ms);
  else
    g_string_append_c (out, '-');
  g_string_append (out, " \"-\" \"");
  g_string_append (out, agent ? agent : "-");
  g_string_append (out, "\" \"");
  g_string_append (out, id ? id : "-");
  g_string_append (out, "\" \"");
  g_string_append (out, q->host);
  g_string_append (out, "\" \"");
  g_string_append (out, r->server ? up : "-");
  g_string_append (out, "\" ");
  g_string_append (out, r->cluster ? r->cluster : "-");
  g_string_append_c (out, ' ');
  g_string_append (out, r->server ? local : "-");
  g_string_append_c (out, ' ');
  g_string_append (out, r->source ? up : local);
  g_string_append_c (out, ' ');
  g_string_append (out, down);
  g_string_append (out, " - ");
  g_string_append (out, r->source ? "default" : "-");
  g_string_append_c (out, '\n');
  if (out->len >= 1 << 16)
    flush_access_log (t);
}

static void
count_edge (MsTelemetry *t, const MsTelemetryRecord *r)
{
  const char *source = workload_of (r->client);
  const char *destination = r->service ? r->service->name : r->request->host;
  EdgeKey fast = { r->client, destination };
  Edge *e = g_hash_table_lookup (t->edges_by_key, &fast);
  g_autofree char *key = NULL;
  if (e == NULL)
    {
      key = g_strdup_printf ("%s\t%s", source ? source : "unknown", destination);
      e = g_hash_table_lookup (t->edges, key);
    }
  if (e == NULL)
    {
      e = g_new0 (Edge, 1);
      e->source = g_strdup (source ? source : "unknown");
      e->destination = g_strdup (destination);
      e->latency = ms_histogram_new ();
      e->seconds = g_array_new (FALSE, TRUE, sizeof (Second));
      /* Keys are the pods' names, which outlive the telemetry. */
      e->versions = g_hash_table_new (g_str_hash, g_str_equal);
      g_hash_table_insert (t->edges, g_strdup (key), e);
    }
  if (key != NULL)
    g_hash_table_insert (t->edges_by_key, g_memdup2 (&fast, sizeof fast), e);
  gboolean error = r->status == 0 || r->status >= 500;
  e->requests++;
  e->errors += error;
  ms_histogram_record (e->latency, r->end - r->start);
  const char *workload = workload_of (r->server);
  if (workload != NULL)
    {
      gpointer n = g_hash_table_lookup (e->versions, workload);
      g_hash_table_insert (e->versions, (gpointer) workload,
                           GSIZE_TO_POINTER (GPOINTER_TO_SIZE (n) + 1));
    }
  guint second = (guint) (r->end / G_USEC_PER_SEC);
  if (second >= e->seconds->len)
    g_array_set_size (e->seconds, second + 1);
  Second *sec = &g_array_index (e->seconds, Second, second);
  if (sec->latency == NULL)
    sec->latency = ms_histogram_new ();
  sec->requests++;
  if (r->status == 0)
    sec->no_response++;
  else if (r->status >= 500)
    sec->server_error++;
  else if (r->status >= 400)
    sec->client_error++;
  else
    sec->ok++;
  ms_histogram_record (sec->latency, r->end - r->start);
}

void
ms_telemetry_record (MsTelemetry *t, const MsTelemetryRecord *r)
{
  if (t->outputs.metrics != NULL || t->outputs.live_metrics)
    {
      /* Every label is a function of these, so the label text is formatted
       * once per combination, not once per request. */
      SeriesKey key = { r->client, r->server, r->service, r->status, r->flags,
                        r->source != FALSE, r->mtls != FALSE };
      Series *s = g_hash_table_lookup (t->series_by_key, &key);
      if (s == NULL)
        {
          char *labels = format_labels (r);
          s = g_hash_table_lookup (t->series, labels);
          if (s == NULL)
            {
              s = g_new0 (Series, 1);
              s->labels = labels;
              g_hash_table_insert (t->series, s->labels, s);
            }
          else
            g_free (labels);
          g_hash_table_insert (t->series_by_key, g_memdup2 (&key, sizeof key), s);
        }
      s->requests++;
      bucket_add (&s->duration, duration_buckets, N_DURATION, (double) (r->end - r->start) / 1000.0);
      bucket_add (&s->request_bytes, byte_buckets, N_BYTES, (double) r->request_bytes);
      bucket_add (&s->response_bytes, byte_buckets, N_BYTES, (double) r->response_bytes);
    }
  if (t->outputs.access_log != NULL)
    log_line (t, r);
  if (r->source && (t->outputs.graph != NULL || t->outputs.timeseries != NULL || t->outputs.series))
    count_edge (t, r);
}

/* Writing. */

/* The values (or keys) of a table as an array, to sort (GLib 2.74 has no
 * g_hash_table_get_values_as_ptr_array). */
static GPtrArray *
table_values (GHashTable *table)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, value);
  return out;
}

static GPtrArray *
table_keys (GHashTable *table)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (out, key);
  return out;
}

static void
write_histogram (GString *out, const char *name, const Series *s, const Buckets *b,
                 const double *bounds, guint n)
{
  guint64 cumulative = 0;
  for (guint i = 0; i <= n; i++)
    {
      cumulative += b->counts[i];
      g_string_append_printf (out, "%s_bucket{%s,le=\"", name, s->labels);
      if (i < n)
        ms_report_format_double (bounds[i], out);
      else
        g_string_append (out, "+Inf");
      g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", cumulative);
    }
  g_string_append_printf (out, "%s_sum{%s} ", name, s->labels);
  ms_report_format_double (b->sum, out);
  g_string_append_printf (out, "\n%s_count{%s} %" G_GUINT64_FORMAT "\n", name, s->labels, b->count);
}

static int
compare_series (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(Series *const *) a)->labels, (*(Series *const *) b)->labels);
}

static GString *metrics_text (MsTelemetry *t);

GString *
ms_telemetry_metrics (MsTelemetry *t)
{
  return metrics_text (t);
}

static GString *
metrics_text (MsTelemetry *t)
{
  g_autoptr (GPtrArray) list = table_values (t->series);
  g_ptr_array_sort (list, compare_series);
  GString *out = g_string_new (NULL);
  g_string_append (out, "# HELP istio_requests_total Requests handled by an Istio proxy.\n"
                        "# TYPE istio_requests_total counter\n");
  for (guint i = 0; i < list->len; i++)
    {
      const Series *s = list->pdata[i];
      g_string_append_printf (out, "istio_requests_total{%s} %" G_GUINT64_FORMAT "\n", s->labels,
                              s->requests);
    }
  const struct {
    const char *name, *help;
    gsize offset;
    const double *bounds;
    guint n;
  } histograms[] = {
    { "istio_request_duration_milliseconds", "Request duration in milliseconds.",
      G_STRUCT_OFFSET (Series, duration), duration_buckets, N_DURATION },
    { "istio_request_bytes", "Request body sizes in bytes.",
      G_STRUCT_OFFSET (Series, request_bytes), byte_buckets, N_BYTES },
    { "istio_response_bytes", "Response body sizes in bytes.",
      G_STRUCT_OFFSET (Series, response_bytes), byte_buckets, N_BYTES },
  };
  for (guint h = 0; h < G_N_ELEMENTS (histograms); h++)
    {
      g_string_append_printf (out, "# HELP %s %s\n# TYPE %s histogram\n", histograms[h].name,
                              histograms[h].help, histograms[h].name);
      for (guint i = 0; i < list->len; i++)
        {
          const Series *s = list->pdata[i];
          write_histogram (out, histograms[h].name, s,
                           (const Buckets *) ((const char *) s + histograms[h].offset),
                           histograms[h].bounds, histograms[h].n);
        }
    }
  return out;
}

static int
compare_edges (gconstpointer a, gconstpointer b)
{
  const Edge *x = *(Edge *const *) a, *y = *(Edge *const *) b;
  int c = strcmp (x->source, y->source);
  return c ? c : strcmp (x->destination, y->destination);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* A Mermaid node id: letters, digits and '_' only. */
static char *
mermaid_id (const char *prefix, const char *name)
{
  char *id = g_strconcat (prefix, name, NULL);
  for (char *c = id; *c; c++)
    if (!g_ascii_isalnum (*c))
      *c = '_';
  return id;
}

static GString *
graph_text (MsTelemetry *t, MsTime end, gboolean mermaid)
{
  g_autoptr (GPtrArray) edges = table_values (t->edges);
  g_ptr_array_sort (edges, compare_edges);
  double seconds = MAX ((double) end / 1e6, 1e-6);
  GString *out = g_string_new (NULL);
  g_string_append (out, mermaid ? "graph LR\n" : "digraph mesh {\n  rankdir=LR;\n"
                                                 "  node [fontname=\"sans-serif\"];\n");
  /* Nodes: client workloads as boxes, Services as ellipses (Kiali's
   * versioned-app view, in text). */
  for (guint i = 0; i < edges->len; i++)
    {
      const Edge *e = edges->pdata[i];
      double p99 = (double) ms_histogram_quantile (e->latency, 0.99) / 1000.0;
      double rate = (double) e->requests / seconds;
      double errors = 100.0 * (double) e->errors / (double) MAX (e->requests, 1);
      g_autofree char *label = g_strdup_printf ("%.1f rps, %.1f%% errors, p99 %.0f ms", rate,
                                                errors, p99);
      g_autofree char *source_id = mermaid_id ("w_", e->source);
      g_autofree char *service_id = mermaid_id ("s_", e->destination);
      if (mermaid)
        g_string_append_printf (out, "  %s[\"%s\"] -->|\"%s\"| %s((\"%s\"))\n", source_id,
                                e->source, label, service_id, e->destination);
      else
        g_string_append_printf (out, "  \"%s\" [shape=box];\n  \"svc:%s\" [label=\"%s\", "
                                     "shape=ellipse];\n  \"%s\" -> \"svc:%s\" [label=\"%s\"%s];\n",
                                e->source, e->destination, e->destination, e->source,
                                e->destination, label, errors > 1.0 ? ", color=red" : "");
      g_autoptr (GPtrArray) workloads = table_keys (e->versions);
      g_ptr_array_sort (workloads, compare_strings);
      for (guint k = 0; k < workloads->len; k++)
        {
          const char *w = workloads->pdata[k];
          guint64 n = GPOINTER_TO_SIZE (g_hash_table_lookup (e->versions, w));
          g_autofree char *workload_id = mermaid_id ("w_", w);
          if (mermaid)
            g_string_append_printf (out, "  %s((\"%s\")) -->|\"%" G_GUINT64_FORMAT "\"| %s[\"%s\"]\n",
                                    service_id, e->destination, n, workload_id, w);
          else
            g_string_append_printf (out, "  \"%s\" [shape=box];\n  \"svc:%s\" -> \"%s\" "
                                         "[label=\"%" G_GUINT64_FORMAT "\", style=dashed];\n",
                                    w, e->destination, w, n);
        }
    }
  if (!mermaid)
    g_string_append (out, "}\n");
  return out;
}

static GString *
timeseries_text (MsTelemetry *t)
{
  g_autoptr (GPtrArray) edges = table_values (t->edges);
  g_ptr_array_sort (edges, compare_edges);
  GString *out = g_string_new ("second,source,destination,requests,ok,client_error,"
                               "server_error,no_response,p50_ms,p99_ms\n");
  guint last = 0;
  for (guint i = 0; i < edges->len; i++)
    last = MAX (last, ((Edge *) edges->pdata[i])->seconds->len);
  for (guint sec = 0; sec < last; sec++)
    for (guint i = 0; i < edges->len; i++)
      {
        const Edge *e = edges->pdata[i];
        if (sec >= e->seconds->len)
          continue;
        const Second *s = &g_array_index (e->seconds, Second, sec);
        if (s->requests == 0)
          continue;
        g_string_append_printf (out, "%u,%s,%s,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%"
                                G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",",
                                sec, e->source, e->destination, s->requests, s->ok,
                                s->client_error, s->server_error, s->no_response);
        ms_report_format_double ((double) ms_histogram_quantile (s->latency, 0.5) / 1000.0, out);
        g_string_append_c (out, ',');
        ms_report_format_double ((double) ms_histogram_quantile (s->latency, 0.99) / 1000.0, out);
        g_string_append_c (out, '\n');
      }
  return out;
}

static gboolean
save (const char *path, GString *text, GError **error)
{
  gboolean ok = g_file_set_contents (path, text->str, (gssize) text->len, error);
  g_string_free (text, TRUE);
  return ok;
}

void
ms_telemetry_report_series (MsTelemetry *t, MsReportNode *root)
{
  /* Per Service: the edges into it added up, second by second. */
  g_autoptr (GPtrArray) edges = table_values (t->edges);
  g_ptr_array_sort (edges, compare_edges);
  g_autoptr (GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
  MsReportNode *series = ms_report_object (root, "series");
  for (guint i = 0; i < edges->len; i++)
    {
      const Edge *first = edges->pdata[i];
      if (g_hash_table_contains (done, first->destination))
        continue;
      g_hash_table_add (done, first->destination);
      guint n = 0;
      for (guint k = 0; k < edges->len; k++)
        {
          const Edge *e = edges->pdata[k];
          if (g_str_equal (e->destination, first->destination))
            n = MAX (n, e->seconds->len);
        }
      MsReportNode *node = ms_report_object (series, first->destination);
      MsReportNode *requests = ms_report_array (node, "requests");
      MsReportNode *ok = ms_report_array (node, "ok_share");
      MsReportNode *p99 = ms_report_array (node, "p99_ms");
      for (guint sec = 0; sec < n; sec++)
        {
          guint64 total = 0, good = 0;
          g_autoptr (MsHistogram) latency = ms_histogram_new ();
          for (guint k = 0; k < edges->len; k++)
            {
              const Edge *e = edges->pdata[k];
              if (!g_str_equal (e->destination, first->destination) || sec >= e->seconds->len)
                continue;
              const Second *s = &g_array_index (e->seconds, Second, sec);
              total += s->requests;
              good += s->ok;
              if (s->latency != NULL)
                ms_histogram_merge (latency, s->latency);
            }
          ms_report_append_double (requests, (double) total);
          ms_report_append_double (ok, total ? (double) good / (double) total : 1.0);
          ms_report_append_double (p99, (double) ms_histogram_quantile (latency, 0.99) / 1000.0);
        }
    }
}

/* Tracing: Zipkin v2 spans, which Jaeger and Zipkin UIs load. */

static guint64
tracer_new_id (gpointer data)
{
  MsTelemetry *t = data;
  guint64 id;
  do
    id = ms_random_next (&t->random);
  while (id == 0);
  return id;
}

static gboolean
tracer_sample (gpointer data)
{
  MsTelemetry *t = data;
  return ms_random_chance (&t->random, t->outputs.trace_sample);
}

static void
json_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (; s && *s; s++)
    {
      if (*s == '"' || *s == '\\')
        g_string_append_c (out, '\\');
      if ((unsigned char) *s < 0x20)
        {
          g_string_append_printf (out, "\\u%04x", *s);
          continue;
        }
      g_string_append_c (out, *s);
    }
  g_string_append_c (out, '"');
}

static void
endpoint (GString *out, const char *key, const MsPod *pod)
{
  char address[32];
  pod_address (pod, address, sizeof address);
  *strchr (address, ':') = '\0';
  g_autofree char *service = g_strdup_printf ("%s.%s", workload_of (pod),
                                              pod->namespace_ ? pod->namespace_ : "outside");
  g_string_append_printf (out, ",\"%s\":{\"serviceName\":", key);
  json_string (out, service);
  g_string_append_printf (out, ",\"ipv4\":\"%s\"}", address);
}

static void
tracer_record (gpointer data, const MsSpan *span)
{
  static const char *const kinds[] = { "CLIENT", "SERVER", NULL };
  MsTelemetry *t = data;
  GString *out = t->spans;
  if (t->n_spans++ > 0)
    g_string_append (out, ",\n");
  g_string_append_printf (out, "{\"traceId\":\"%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER
                          "x\",\"id\":\"%016" G_GINT64_MODIFIER "x\"", span->trace_hi,
                          span->trace_lo, span->id);
  if (span->parent != 0)
    g_string_append_printf (out, ",\"parentId\":\"%016" G_GINT64_MODIFIER "x\"", span->parent);
  if (kinds[span->kind] != NULL && span->kind != MS_SPAN_LOCAL)
    g_string_append_printf (out, ",\"kind\":\"%s\"", kinds[span->kind]);
  g_string_append (out, ",\"name\":");
  json_string (out, span->name);
  /* Zipkin wants at least a microsecond of duration. */
  g_string_append_printf (out, ",\"timestamp\":%" G_GINT64_FORMAT ",\"duration\":%" G_GINT64_FORMAT,
                          span->start, MAX (span->end - span->start, 1));
  endpoint (out, "localEndpoint", span->pod);
  if (span->remote != NULL)
    endpoint (out, "remoteEndpoint", span->remote);
  g_string_append (out, ",\"tags\":{");
  for (const char *const *tag = span->tags; tag && tag[0] && tag[1]; tag += 2)
    {
      if (tag != span->tags)
        g_string_append_c (out, ',');
      json_string (out, tag[0]);
      g_string_append_c (out, ':');
      json_string (out, tag[1]);
    }
  g_string_append (out, "}}");
}

const MsTracer *
ms_telemetry_tracer (MsTelemetry *t, guint64 seed)
{
  if (t == NULL || t->outputs.traces == NULL)
    return NULL;
  ms_random_seed_stream (&t->random, seed, "traces");
  t->tracer = (MsTracer){ tracer_new_id, tracer_sample, tracer_record, t };
  return &t->tracer;
}

gboolean
ms_telemetry_write (MsTelemetry *t, MsTime end, GError **error)
{
  if (t->outputs.traces != NULL)
    {
      GString *text = g_string_new ("[\n");
      g_string_append_len (text, t->spans->str, t->spans->len);
      g_string_append (text, "\n]\n");
      if (!save (t->outputs.traces, text, error))
        return FALSE;
    }
  if (t->outputs.metrics != NULL && !save (t->outputs.metrics, metrics_text (t), error))
    return FALSE;
  if (t->access_file != NULL)
    {
      flush_access_log (t);
      FILE *file = g_steal_pointer (&t->access_file);
      gboolean failed = ferror (file) != 0;
      int saved = errno;
      if (fclose (file) != 0 || failed)
        {
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "cannot write %s: %s", t->outputs.access_log, g_strerror (saved));
          return FALSE;
        }
    }
  if (t->outputs.graph != NULL
      && !save (t->outputs.graph, graph_text (t, end, g_str_has_suffix (t->outputs.graph, ".mmd")),
                error))
    return FALSE;
  if (t->outputs.timeseries != NULL && !save (t->outputs.timeseries, timeseries_text (t), error))
    return FALSE;
  return TRUE;
}
