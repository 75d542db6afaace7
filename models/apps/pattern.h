/* models/apps/pattern.h - what the pattern models (event store, command,
 * projector, query) share: reading a request, answering one after a
 * service time, and calling another service through the pod's sidecar.
 *
 * The pattern models speak JSON over the simulated HTTP, as the lab's
 * services do.  Requests carry their parameters in the query string
 * ("/api/events?from=12&limit=20") and their commands in a JSON body;
 * answers are built as text.  Every call between services leaves through
 * ms_pod_send, so sidecars, retries, timeouts and faults apply to it.
 *
 * Ownership: a call in flight (MsPatternCall) belongs to the GQueue the
 * caller passed; ms_pattern_calls_clear frees what is left when an app is
 * freed at the end of a run.  Once a call's done callback has run, the
 * call is gone.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "models/apps/model.h"

G_BEGIN_DECLS

/* The request's path without its query string.  (transfer full) */
char *ms_pattern_path (const MsRequest *request);

/* The value of a parameter, or NULL: from the query string
 * (percent-decoded), else from a member of a JSON object body (a string,
 * or an integer written in decimal).  Models that send requests put
 * changing parameters in the body, because request paths are interned
 * for the whole run and must come from a bounded set.  (transfer full) */
char *ms_pattern_param (const MsRequest *request, const char *name);

/* A query-string parameter as an integer in [min, max]: TRUE and *out set
 * when present and valid, TRUE and *out untouched when absent, FALSE with
 * *reason (transfer full) when present but not such a number. */
gboolean ms_pattern_param_int (const MsRequest *request, const char *name, gint64 min,
                               gint64 max, gint64 *out, char **reason);

/* A query-string parameter as a duration ("5s", "250ms"), same contract. */
gboolean ms_pattern_param_duration (const MsRequest *request, const char *name, MsTime *out,
                                    char **reason);

/* The request body parsed as a JSON object.  An absent or empty body gives
 * NULL with *reason NULL; a body that is not a JSON object gives NULL with
 * *reason (transfer full) saying why.  (transfer full) */
JsonNode *ms_pattern_body_object (const MsRequest *request, char **reason);

/* Parses an answer's body (may be NULL) as JSON.  Returns the node
 * (transfer full, NULL when the body is not JSON) and sets *object to it
 * when it is an object, else to NULL. */
JsonNode *ms_pattern_answer (const MsBody *body, JsonObject **object);

/* A JSON object member as an integer: 0 when absent or not an integer. */
gint64 ms_pattern_member_int (JsonObject *object, const char *name);

/* A JSON object member as a string: NULL when absent; *bad set TRUE when
 * present but not a string.  (transfer none) */
const char *ms_pattern_member_string (JsonObject *object, const char *name, gboolean *bad);

/* Appends text as a JSON string literal (quotes and escapes included). */
void ms_pattern_append_string (GString *out, const char *text);

/* Finishes exchange with status and json as its body. */
void ms_pattern_reply (MsExchange *exchange, int status, const GString *json);

/* Finishes exchange with {"error": error, "reason": reason}. */
void ms_pattern_reply_error (MsExchange *exchange, int status, const char *error,
                             const char *reason);

/* Serving: waits one draw of latency (from the pod's stream), then calls
 * serve (app, exchange).  The pattern models keep no per-pod concurrency
 * limit: their requests only wait for the service time and, for long
 * polls, for data. */
typedef void (*MsPatternServe) (MsApp *app, MsExchange *exchange);
void ms_pattern_serve_after (MsApp *app, MsPod *pod, const MsDist *latency,
                             MsExchange *exchange, MsPatternServe serve);

/* Outgoing calls.  done gets the status (0 when no HTTP response came
 * back, including the caller's own timeout) and the body (transfer none,
 * may be NULL). */
typedef void (*MsPatternDone) (gpointer data, int status, MsBody *body);

typedef struct _MsPatternCall MsPatternCall;

/* Sends method http://url.host:url.port<path> from pod through its
 * outbound hook, with body (may be NULL; referenced), giving up after
 * timeout (0: never).  path is interned: it must come from a bounded set
 * (put positions and ids in the body, see ms_pattern_param).  trace is
 * the context of the request the call serves (ms_request_trace_context),
 * or NULL for a call of the app's own, such as a poll. */
void ms_pattern_call (GQueue *calls, MsPod *pod, const char *method, const MsUrl *url,
                      const char *path, MsBody *body, MsTime timeout,
                      const MsTraceContext *trace, MsPatternDone done, gpointer data);

/* Gives up every call in flight now, as a client closing its
 * connections does: no callback is called, and the carriers are told
 * (ms_exchange_cancel). */
void ms_pattern_calls_cancel (GQueue *calls);

/* Frees the calls still in flight without calling their callbacks (end of
 * a run), and their data with free_data when not NULL. */
void ms_pattern_calls_clear (GQueue *calls, GDestroyNotify free_data);

/* Resolves url (read from node's member key) from deployment's namespace
 * and checks that the Service's pods run a model of class klass; the
 * model of the first such Deployment is returned.  On failure the error
 * points at the option.  (transfer none) */
MsModel *ms_pattern_bind_service (MsCluster *cluster, MsDeployment *deployment,
                                  const MsNode *node, const char *key, MsUrl *url,
                                  const MsModelClass *klass, GError **error);

G_END_DECLS
