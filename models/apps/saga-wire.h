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
 * Paths and serving after a service time come from models/apps/pattern.h,
 * which the event-sourcing models share.
 *
 * Ownership: what these helpers return is (transfer full) unless marked.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "models/apps/model.h"

G_BEGIN_DECLS

/* The request body as a JSON object; NULL when there is no body, or it is
 * not a JSON object (callers answer 400 when they need one). */
JsonObject *ms_saga_wire_read (const MsRequest *request);

/* A member as a string, or NULL when absent or of another type.
 * (transfer none) */
const char *ms_saga_wire_string (JsonObject *object, const char *name);

/* A member as an integer: TRUE and *out when it is a whole number. */
gboolean ms_saga_wire_int (JsonObject *object, const char *name, gint64 *out);

/* Adds the member name: value, or null when value is NULL, to the
 * object builder is in. */
void ms_saga_wire_add_string (JsonBuilder *builder, const char *name, const char *value);

/* Adds a saga's parameters, the members every command carries:
 * saga_id, order_id, user, amount and items. */
void ms_saga_wire_add_saga (JsonBuilder *builder, const char *saga_id, const char *order_id,
                            const char *user, gint64 amount, gint64 items);

/* Finishes exchange with status and the object builder holds (the builder
 * must be inside no open object or array).  The text is compact JSON, as
 * json_to_string writes it, except that a double has the fewest digits
 * that read back as the same double: a time of 141.503 ms reads 141.503,
 * as in the report, not json-glib's 141.50299999999999. */
void ms_saga_wire_reply (MsExchange *exchange, int status, JsonBuilder *builder);

/* Finishes exchange with {"error": error, "detail": detail}; detail may be
 * NULL. */
void ms_saga_wire_reply_error (MsExchange *exchange, int status, const char *error,
                               const char *detail);

G_END_DECLS
