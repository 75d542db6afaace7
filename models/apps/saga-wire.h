/* models/apps/saga-wire.h - the JSON the saga models speak over HTTP.
 *
 * The orchestrator and the user, order and payment services exchange
 * small JSON objects, as the lab's services do.  A command carries its
 * parameters and its idempotency key in the body:
 *
 *   {"message_id": "saga-7/process_payment", "saga_id": "saga-7",
 *    "order_id": "order-7", "user": "user-7", "amount": 100, "items": 1}
 *
 * The message id rides in the body rather than in a header because
 * request headers are interned for the whole run, and a key per command
 * would grow that set without bound.  Answers are JSON objects too, built
 * with json-glib so that any text a client sent is escaped.
 *
 * Ownership: what these helpers return is (transfer full) unless marked.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "models/apps/model.h"
#include "sim/core/dist.h"

G_BEGIN_DECLS

/* The request's path without its query string.  (transfer full) */
char *ms_saga_wire_path (const MsRequest *request);

/* The request body as a JSON object; NULL when there is no body, or it is
 * not a JSON object (callers answer 400 when they need one). */
JsonObject *ms_saga_wire_read (const MsRequest *request);

/* A member as a string, or NULL when absent or of another type.
 * (transfer none) */
const char *ms_saga_wire_string (JsonObject *object, const char *name);

/* A member as an integer: TRUE and *out when it is a whole number. */
gboolean ms_saga_wire_int (JsonObject *object, const char *name, gint64 *out);

/* Finishes exchange with status and the object builder holds (the builder
 * must be inside no open object or array). */
void ms_saga_wire_reply (MsExchange *exchange, int status, JsonBuilder *builder);

/* Finishes exchange with {"error": error, "detail": detail}; detail may be
 * NULL. */
void ms_saga_wire_reply_error (MsExchange *exchange, int status, const char *error,
                               const char *detail);

/* Waits one draw of latency from the pod's stream, then calls
 * serve (app, exchange).  Nothing is allocated: the function rides in the
 * exchange's app scratch, so a run that ends mid-service leaks nothing. */
typedef void (*MsSagaServe) (MsApp *app, MsExchange *exchange);
void ms_saga_wire_serve_after (MsApp *app, MsPod *pod, const MsDist *latency,
                               MsExchange *exchange, MsSagaServe serve);

G_END_DECLS
