/* models/mesh/telemetry.c - metrics, graph and time series, and the
 * reports every output starts from.
 *
 * Metrics are kept as one entry per distinct label set (a string key built
 * from the labels in Istio's order), each with its counter and three
 * histograms; they are written sorted by key, so the file does not depend
 * on hash order.  The access log is written to its file as the run goes,
 * in completion order.  The graph and the time series come from the source
 * reports only (what client proxies saw), per (client workload, Service).
 *
 * Every output is on the hot path when it is asked for: a proxy reports
 * each request it handles, 600,000 reports for 100,000 requests through
 * the bench chain.  So whatever a report's outputs take from who reported
 * it, between which pods and with what outcome (its Path) is looked up
 * with one hash lookup and made once: the metric series, the graph edge,
 * and most of the access-log line.  Per report there remain counters and
 * the few access-log fields that change with every request.
 *
 * The access log's formatting and writer thread live in telemetry-log.c,
 * the spans in telemetry-trace.c; the struct they share is in
 * telemetry-private.h.
 */
#include "models/mesh/telemetry-private.h"

#include "models/mesh/security.h"
#include "sim/core/histogram.h"
#include "sim/io/output.h"
#include "sim/io/report.h"

#include <string.h>

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

static void
string_free (gpointer data)
{
  g_string_free (data, TRUE);
}

static void
path_free (gpointer data)
{
  Path *p = data;
  g_free (p->log_outcome);
  g_free (p->log_tail);
  g_free (p);
}

static guint
path_key_hash (gconstpointer data)
{
  const PathKey *k = data;
  guint h = GPOINTER_TO_UINT (k->proxy);
  h = h * 31 + GPOINTER_TO_UINT (k->client);
  h = h * 31 + GPOINTER_TO_UINT (k->server);
  h = h * 31 + GPOINTER_TO_UINT (k->service);
  h = h * 31 + GPOINTER_TO_UINT (k->cluster);
  h = h * 31 + GPOINTER_TO_UINT (k->host);
  h = h * 31 + GPOINTER_TO_UINT (k->details);
  h = h * 31 + (guint) k->status;
  h = h * 31 + k->flags;
  return h * 4 + (guint) (k->source * 2 + k->mtls);
}

static gboolean
path_key_equal (gconstpointer a, gconstpointer b)
{
  const PathKey *x = a, *y = b;
  return x->proxy == y->proxy && x->client == y->client && x->server == y->server
         && x->service == y->service && x->cluster == y->cluster && x->host == y->host
         && x->details == y->details && x->status == y->status && x->flags == y->flags
         && x->source == y->source && x->mtls == y->mtls;
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
  /* The file's text as it grows, so that writing it copies nothing: the
   * bench chain's 5 MB of spans copied once more cost 1,300 page faults. */
  t->spans = g_string_new ("[\n");
  t->endpoints = g_hash_table_new_full (NULL, NULL, NULL, string_free);
  t->series = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, series_free);
  /* The key is the Path's first member. */
  t->reports = g_hash_table_new_full (path_key_hash, path_key_equal, NULL, path_free);
  t->inbound_clusters = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  t->log_second = -1;
  t->edges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, edge_free);
  if (outputs->access_log != NULL
      && (t->access_file = ms_output_open (outputs->access_log, &t->log_replace, error)) == NULL)
    {
      ms_telemetry_free (t);
      return NULL;
    }
  if (t->access_file != NULL)
    ms_telemetry_log_start (t);
  return t;
}

void
ms_telemetry_free (MsTelemetry *t)
{
  if (t == NULL)
    return;
  for (int i = 0; i < 5; i++)
    g_free (t->paths[i]);
  if (t->spans != NULL)
    g_string_free (t->spans, TRUE);
  g_hash_table_unref (t->endpoints);
  g_hash_table_unref (t->reports);
  g_hash_table_unref (t->inbound_clusters);
  g_hash_table_unref (t->series);
  ms_telemetry_log_finish (t, NULL);
  g_free (t->log_replace);
  for (int i = 0; i < LOG_CHUNKS; i++)
    g_free (t->log_chunks[i].data);
  g_clear_pointer (&t->log_full, g_async_queue_unref);
  g_clear_pointer (&t->log_empty, g_async_queue_unref);
  g_hash_table_unref (t->edges);
  g_free (t);
}

const char *
ms_telemetry_inbound_cluster (MsTelemetry *t, int port)
{
  char *name = g_hash_table_lookup (t->inbound_clusters, GINT_TO_POINTER (port));
  if (name == NULL)
    {
      name = g_strdup_printf ("inbound|%d||", port);
      g_hash_table_insert (t->inbound_clusters, GINT_TO_POINTER (port), name);
    }
  return name;
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


/* The graph and time series edge a source report counts into, and the
 * count for its server's workload. */
static void
path_edge (MsTelemetry *t, Path *path, const MsTelemetryRecord *r)
{
  const char *source = workload_of (r->client);
  const char *destination = r->service ? r->service->name : r->request->host;
  g_autofree char *key = g_strdup_printf ("%s\t%s", source ? source : "unknown", destination);
  Edge *e = g_hash_table_lookup (t->edges, key);
  if (e == NULL)
    {
      e = g_new0 (Edge, 1);
      e->source = g_strdup (source ? source : "unknown");
      e->destination = g_strdup (destination);
      e->latency = ms_histogram_new ();
      e->seconds = g_array_new (FALSE, TRUE, sizeof (Second));
      /* Keys are the pods' names, which outlive the telemetry. */
      e->versions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
      g_hash_table_insert (t->edges, g_steal_pointer (&key), e);
    }
  path->edge = e;
  const char *workload = workload_of (r->server);
  if (workload != NULL)
    {
      path->server_requests = g_hash_table_lookup (e->versions, workload);
      if (path->server_requests == NULL)
        {
          path->server_requests = g_new0 (guint64, 1);
          g_hash_table_insert (e->versions, (gpointer) workload, path->server_requests);
        }
    }
}

static void
count_edge (const Path *path, const MsTelemetryRecord *r)
{
  Edge *e = path->edge;
  gboolean error = r->status == 0 || r->status >= 500;
  e->requests++;
  e->errors += error;
  ms_histogram_record (e->latency, r->end - r->start);
  if (path->server_requests != NULL)
    (*path->server_requests)++;
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

/* The report's Path, made on its first report. */
static const Path *
path_of (MsTelemetry *t, const MsTelemetryRecord *r)
{
  PathKey key = { r->proxy, r->client, r->server, r->service, r->cluster, r->request->host,
                  r->details, r->status, r->flags, r->source != FALSE, r->mtls != FALSE };
  /* A run's reports come from a few paths, and a GHashTable lookup costs
   * a hundred instructions on top of the hash, so the last Path of each
   * slot is tried first: one key comparison.  The top bits of a
   * multiplicative hash pick the slot, because the key hash's low bits
   * hardly vary (aligned pointers).  Paths live as long as the telemetry. */
  Path **slot = &t->recent[(path_key_hash (&key) * 2654435761u) >> (32 - PATH_SLOT_BITS)];
  if (*slot != NULL && path_key_equal (&(*slot)->key, &key))
    return *slot;
  Path *path = g_hash_table_lookup (t->reports, &key);
  if (path != NULL)
    return *slot = path;
  path = *slot = g_new0 (Path, 1);
  path->key = key;
  if (t->outputs.metrics != NULL || t->outputs.live_metrics)
    {
      char *labels = format_labels (r);
      path->series = g_hash_table_lookup (t->series, labels);
      if (path->series == NULL)
        {
          path->series = g_new0 (Series, 1);
          path->series->labels = labels;
          g_hash_table_insert (t->series, labels, path->series);
        }
      else
        g_free (labels);
    }
  if (t->outputs.access_log != NULL)
    ms_telemetry_path_log_pieces (path, r);
  if (r->source && (t->outputs.graph != NULL || t->outputs.timeseries != NULL || t->outputs.series))
    path_edge (t, path, r);
  g_hash_table_insert (t->reports, &path->key, path);
  return path;
}

void
ms_telemetry_record (MsTelemetry *t, const MsTelemetryRecord *r)
{
  const Path *path = path_of (t, r);
  Series *s = path->series;
  if (s != NULL)
    {
      s->requests++;
      bucket_add (&s->duration, duration_buckets, N_DURATION, (double) (r->end - r->start) / 1000.0);
      bucket_add (&s->request_bytes, byte_buckets, N_BYTES, (double) r->request_bytes);
      bucket_add (&s->response_bytes, byte_buckets, N_BYTES, (double) r->response_bytes);
    }
  if (t->outputs.access_log != NULL)
    ms_telemetry_log_line (t, path, r);
  if (path->edge != NULL)
    count_edge (path, r);
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
          guint64 n = *(const guint64 *) g_hash_table_lookup (e->versions, w);
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
  gboolean ok = ms_output_save (path, text->str, text->len, error);
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


gboolean
ms_telemetry_write (MsTelemetry *t, MsTime end, GError **error)
{
  if (t->outputs.traces != NULL)
    {
      g_string_append (t->spans, "\n]\n");
      if (!save (t->outputs.traces, g_steal_pointer (&t->spans), error))
        return FALSE;
    }
  if (t->outputs.metrics != NULL && !save (t->outputs.metrics, metrics_text (t), error))
    return FALSE;
  if (!ms_telemetry_log_finish (t, error))
    return FALSE;
  if (t->outputs.graph != NULL
      && !save (t->outputs.graph, graph_text (t, end, g_str_has_suffix (t->outputs.graph, ".mmd")),
                error))
    return FALSE;
  if (t->outputs.timeseries != NULL && !save (t->outputs.timeseries, timeseries_text (t), error))
    return FALSE;
  return TRUE;
}
