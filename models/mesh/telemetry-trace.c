/* models/mesh/telemetry-trace.c - traces: Zipkin v2 spans, which Jaeger
 * and Zipkin UIs load.
 *
 * The telemetry is the cluster's tracer: it draws span ids and sampling
 * from its own random stream, and appends each finished span to the
 * traces file's text as it comes, so that writing the file at the end
 * copies nothing.  Which spans exist and when they start and end is the
 * proxies' and apps' business (models/kube/trace.h), not this file's.
 */
#include "models/mesh/telemetry-private.h"

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

/* A pod as a Zipkin endpoint, {"serviceName":...,"ipv4":...}, made once
 * per pod: a traced request has a span per proxy and app it passes. */
static const char *
endpoint (MsTelemetry *t, const MsPod *pod)
{
  GString *text = g_hash_table_lookup (t->endpoints, pod);
  if (text != NULL)
    return text->str;
  char address[32];
  ms_telemetry_pod_address (pod, address, sizeof address);
  *strchr (address, ':') = '\0';
  g_autofree char *service = g_strdup_printf ("%s.%s", workload_of (pod),
                                              pod->namespace_ ? pod->namespace_ : "outside");
  text = g_string_new ("{\"serviceName\":");
  json_string (text, service);
  g_string_append_printf (text, ",\"ipv4\":\"%s\"}", address);
  g_hash_table_insert (t->endpoints, (gpointer) pod, text);
  return text->str;
}

/* An id as 16 lowercase hex digits, as Zipkin writes them. */
static char *
put_hex (char *p, guint64 id)
{
  for (int i = 15; i >= 0; i--, id >>= 4)
    p[i] = "0123456789abcdef"[id & 0xf];
  return p + 16;
}

/* The span is written without printf, because with --trace-sample 1
 * every request makes a dozen spans: the fixed-width head first, in a
 * buffer of its own, then the strings. */
static void
tracer_record (gpointer data, const MsSpan *span)
{
  static const char *const kinds[] = { "CLIENT", "SERVER", NULL };
  MsTelemetry *t = data;
  GString *out = t->spans;
  if (t->n_spans++ > 0)
    g_string_append (out, ",\n");
  char head[160];
  char *p = put_literal (head, "{\"traceId\":\"");
  p = put_hex (p, (guint64) span->trace_hi);
  p = put_hex (p, (guint64) span->trace_lo);
  p = put_literal (p, "\",\"id\":\"");
  p = put_hex (p, (guint64) span->id);
  *p++ = '"';
  if (span->parent != 0)
    {
      p = put_literal (p, ",\"parentId\":\"");
      p = put_hex (p, (guint64) span->parent);
      *p++ = '"';
    }
  if (kinds[span->kind] != NULL && span->kind != MS_SPAN_LOCAL)
    {
      p = put_literal (p, ",\"kind\":\"");
      p = put (p, kinds[span->kind], strlen (kinds[span->kind]));
      *p++ = '"';
    }
  p = put_literal (p, ",\"name\":");
  g_string_append_len (out, head, p - head);
  json_string (out, span->name);
  /* Zipkin wants at least a microsecond of duration. */
  p = put_literal (head, ",\"timestamp\":");
  if (span->start < 0)
    *p++ = '-';
  p = put_int (p, span->start < 0 ? -(guint64) span->start : (guint64) span->start);
  p = put_literal (p, ",\"duration\":");
  p = put_int (p, (guint64) MAX (span->end - span->start, 1));
  p = put_literal (p, ",\"localEndpoint\":");
  g_string_append_len (out, head, p - head);
  g_string_append (out, endpoint (t, span->pod));
  if (span->remote != NULL)
    {
      g_string_append (out, ",\"remoteEndpoint\":");
      g_string_append (out, endpoint (t, span->remote));
    }
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
