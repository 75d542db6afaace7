/* models/kube/exchange.h - HTTP requests, responses and the exchanges that
 * carry them through the simulated cluster.
 *
 * An MsExchange is one request/response across one leg: from an app to its
 * outbound hook, over the network, into a pod.  A layer that must see the
 * response (the network adding return latency, a sidecar retrying) opens a
 * child exchange with its own completion callback and finishes the parent
 * when the child is done.  Every exchange ends exactly once, with a status
 * (0 when no HTTP response came back) and Envoy response flags.
 *
 * Ownership: exchanges and requests are reference counted and come from
 * free lists owned by the MsCluster, because there are millions of them in a
 * run.  The creator holds one reference until the exchange is done (or it
 * gives up with ms_exchange_cancel); whoever currently carries the request
 * holds another until it calls ms_exchange_finish.  Strings in a request
 * (method, host, path, header names and values) are interned with
 * g_intern_string and never freed: they come from the scenario, so the set
 * is bounded.
 */
#pragma once

#include <glib.h>

#include "models/kube/trace.h"
#include "sim/core/sim.h"

G_BEGIN_DECLS

typedef struct _MsCluster MsCluster;
typedef struct _MsPod MsPod;
typedef struct _MsBody MsBody;
typedef struct _MsExchange MsExchange;
typedef struct _MsExchangePool MsExchangePool;

/* Envoy's response flags (access-log %RESPONSE_FLAGS%), as a bit set. */
typedef enum {
  MS_FLAG_UH  = 1 << 0,   /* no healthy upstream (503) */
  MS_FLAG_UF  = 1 << 1,   /* upstream connection failure (503) */
  MS_FLAG_UO  = 1 << 2,   /* upstream overflow, circuit breaking (503) */
  MS_FLAG_NR  = 1 << 3,   /* no route (404) */
  MS_FLAG_URX = 1 << 4,   /* retry limit reached */
  MS_FLAG_NC  = 1 << 5,   /* upstream cluster not found */
  MS_FLAG_UT  = 1 << 6,   /* upstream request timeout (504) */
  MS_FLAG_LR  = 1 << 7,   /* local reset */
  MS_FLAG_UR  = 1 << 8,   /* upstream remote reset */
  MS_FLAG_UC  = 1 << 9,   /* upstream connection termination */
  MS_FLAG_DI  = 1 << 10,  /* delayed by fault injection */
  MS_FLAG_FI  = 1 << 11,  /* aborted by fault injection */
  MS_FLAG_RL  = 1 << 12,  /* rate limited */
  MS_FLAG_DC  = 1 << 13,  /* downstream connection termination */
  MS_FLAG_DF  = 1 << 14,  /* DNS resolution failure */
} MsResponseFlag;

#define MS_FLAG_COUNT 15

/* Why an exchange ended without an HTTP response (status 0).  A sidecar
 * turns these into 503 with a flag; a plain client sees a socket error. */
typedef enum {
  MS_RESET_NONE = 0,
  MS_RESET_CONNECT_FAILURE,   /* refused: crashed pod, no endpoints */
  MS_RESET_CONNECTION_TERMINATION,
  MS_RESET_DNS,               /* the host does not resolve */
  MS_RESET_TIMEOUT,           /* the client's own timeout fired */
} MsReset;

/* Writes the flags as Envoy prints them ("-" for none, "UF,URX" for
 * several, in Envoy's order) into buf, which must hold 64 bytes.
 * Returns buf. */
const char *ms_response_flags_format (guint32 flags, char *buf);

typedef struct {
  const char *name;    /* lower case, interned */
  const char *value;   /* interned */
} MsHeader;

#define MS_REQUEST_MAX_HEADERS 16

typedef struct {
  MsExchangePool *pool;
  int refcount;
  guint64 id;               /* unique within a run, in creation order */
  const char *method;       /* "GET", ... interned */
  const char *host;         /* authority without the port, interned */
  int port;                 /* the Service port addressed (80 if unset) */
  const char *path;         /* path and query, interned */
  MsBody *body;             /* owned reference, may be NULL */
  /* Trace context (models/kube/trace.h): trace id, the span that sent this
   * request, and whether the trace is recorded. */
  guint64 trace_hi, trace_lo, parent_span;
  gboolean sampled;
  /* Last, so that a new request clears everything before it only. */
  guint n_headers;
  MsHeader headers[MS_REQUEST_MAX_HEADERS];
} MsRequest;

/* Completion callback: the exchange has its status, flags and body. */
typedef void (*MsExchangeDone) (MsExchange *exchange, gpointer data);

struct _MsExchange {
  MsExchangePool *pool;
  int refcount;
  MsRequest *request;       /* owned reference */
  MsPod *source;            /* the sending pod, or NULL */
  MsTime start;             /* when the exchange was opened */

  /* The outcome, valid once done. */
  int status;
  guint32 flags;
  MsReset reset;
  MsBody *body;             /* owned reference, may be NULL */
  MsPod *upstream;          /* the pod that answered, if any */
  /* The connection's security, set by a client sidecar: mutual TLS, and
   * the client's principal it proves. */
  gboolean mtls;
  const char *peer_principal;
  struct _MsService *service; /* the Service the request was sent to */

  /* Scratch for the app serving this exchange (its route, a drawn error). */
  gpointer app_data;
  int app_status;
  guint64 app_span;         /* the serving app's span, when traced */

  gboolean finished;
  gboolean cancelled;
  MsExchangeDone done;
  gpointer done_data;
  /* Told when the creator gives up before the end (a proxy carrying the
   * request resets its upstream side, as Envoy does on a downstream
   * disconnect). */
  MsExchangeDone on_cancel;
  gpointer cancel_data;
  MsExchange *next_free;
};

/* The free lists (one per cluster). */
MsExchangePool *ms_exchange_pool_new (void);
void ms_exchange_pool_free (MsExchangePool *pool);
/* Bytes held in slabs, and the most exchanges alive at once. */
void ms_exchange_pool_stats (const MsExchangePool *pool, gsize *bytes, guint64 *peak_exchanges);

/* Requests: new ones are GET / on port 80 with no headers. */
MsRequest *ms_request_new (MsExchangePool *pool);
/* A new request with the same fields (the body is shared). */
MsRequest *ms_request_copy (const MsRequest *request);
MsRequest *ms_request_ref (MsRequest *request);
void ms_request_unref (MsRequest *request);
const char *ms_request_header (const MsRequest *request, const char *name);
/* Sets (replacing) a header; both strings are interned here.  Returns FALSE
 * when the request already holds MS_REQUEST_MAX_HEADERS others. */
gboolean ms_request_set_header (MsRequest *request, const char *name, const char *value);
/* The same for strings already interned (the hot path: no lock, no hash). */
gboolean ms_request_set_header_interned (MsRequest *request, const char *name, const char *value);

/* Exchanges.  new returns (transfer full) an exchange holding a reference to
 * request; the caller's reference is the "creator" one. */
MsExchange *ms_exchange_new (MsExchangePool *pool, MsRequest *request, MsPod *source,
                             MsTime now, MsExchangeDone done, gpointer done_data);
MsExchange *ms_exchange_ref (MsExchange *exchange);
void ms_exchange_unref (MsExchange *exchange);

/* Ends the exchange: records the outcome and, unless it was cancelled, calls
 * its done callback synchronously.  body may be NULL; it is referenced, not
 * stolen.  Finishing twice is a programmer error.  Does not drop any
 * reference. */
void ms_exchange_finish (MsExchange *exchange, int status, guint32 flags,
                         MsReset reset, MsBody *body);

/* The creator gives up: the done callback will not be called, and the
 * carrier's on_cancel (if any) is.  Does not drop the creator's
 * reference. */
void ms_exchange_cancel (MsExchange *exchange);

/* Bodies: immutable, reference counted.  Either a fixed text, or a composite
 * that adds named members (the bodies of calls an app made) to a base JSON
 * object.  Serialising is lazy, so a run that never looks at bodies never
 * builds them.  A composite keeps the names pointers, not copies: they must
 * outlive it, as interned or static strings do (interning them here cost a
 * hash and GLib's lock per response). */
MsBody *ms_body_new_text (const char *text, gssize length);
MsBody *ms_body_new_composite (MsBody *base, guint n_members, const char *const *names,
                               MsBody *const *members);
MsBody *ms_body_ref (MsBody *body);
void ms_body_unref (MsBody *body);
/* Appends the body's text; a composite is written as a JSON object.  A NULL
 * body writes "null". */
void ms_body_write (const MsBody *body, GString *out);
/* Length in bytes of the written form (a composite is written once, on the
 * first call, and the length kept). */
gsize ms_body_length (const MsBody *body);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsExchange, ms_exchange_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsRequest, ms_request_unref)

/* The context a call made while serving request carries, as an app that
 * forwards the B3 headers passes it: the same trace, under the span that
 * delivered request (its sidecar's inbound span). */
static inline MsTraceContext
ms_request_trace_context (const MsRequest *request)
{
  return (MsTraceContext) { request->trace_hi, request->trace_lo, request->parent_span,
                            request->sampled };
}

static inline void
ms_request_set_trace_context (MsRequest *request, const MsTraceContext *context)
{
  request->trace_hi = context->trace_hi;
  request->trace_lo = context->trace_lo;
  request->parent_span = context->parent;
  request->sampled = context->sampled;
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsBody, ms_body_unref)

G_END_DECLS
