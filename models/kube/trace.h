/* models/kube/trace.h - distributed tracing, as a small interface.
 *
 * A request carries its trace context (trace id, the span that sent it,
 * and whether the trace is sampled), the way B3 or W3C traceparent headers
 * carry it between Envoys and apps.  Proxies and apps that take part ask
 * the cluster's tracer for span ids and hand it finished spans; with no
 * tracer set (no --traces), nothing is recorded and no id is drawn, so a
 * run's results never depend on whether it was traced.
 */
#pragma once

#include <glib.h>

#include "sim/core/sim.h"

G_BEGIN_DECLS

typedef struct _MsPod MsPod;

typedef enum {
  MS_SPAN_CLIENT,
  MS_SPAN_SERVER,
  MS_SPAN_LOCAL,
} MsSpanKind;

typedef struct {
  guint64 trace_hi, trace_lo;
  guint64 id;
  guint64 parent;            /* 0: a root span */
  MsSpanKind kind;
  const char *name;
  const MsPod *pod;          /* where it ran */
  const MsPod *remote;       /* the other side, or NULL */
  MsTime start, end;
  /* Tags, as NULL-terminated key, value pairs. */
  const char *const *tags;
} MsSpan;

typedef struct {
  /* A new id (never 0). */
  guint64 (*new_id) (gpointer data);
  /* Whether a new trace starting now is sampled. */
  gboolean (*sample) (gpointer data);
  void (*record) (gpointer data, const MsSpan *span);
  gpointer data;
} MsTracer;

/* A request's trace context as an app keeps it to pass on: the trace, the
 * span its calls hang under, and whether the trace is recorded.  All zero
 * when the request is not traced. */
typedef struct {
  guint64 trace_hi, trace_lo, parent;
  gboolean sampled;
} MsTraceContext;

G_END_DECLS
