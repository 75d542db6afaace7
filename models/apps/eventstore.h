/* models/apps/eventstore.h - the event store (model "event-store").
 *
 * An MsEventLog (models/apps/eventlog.h) served over HTTP, with the lab's
 * endpoints and EventStoreDB's semantics:
 *
 *   POST /api/events          append a batch to one stream:
 *                             {"aggregate_id": "user-1",
 *                              "expected_version": "any" | "no_stream" |
 *                                                  "stream_exists" | N,
 *                              "events": [{"event_id", "event_type", "data"}]}
 *                             200 {aggregate_id, version, first_position,
 *                                  position, duplicate}
 *                             409 {error: "wrong_expected_version",
 *                                  expected, actual}
 *   GET  /api/events          read $all: ?from=P (exclusive) &limit=N
 *                             &aggregate=ID &type=T &wait=D
 *   GET  /api/streams/<id>    read one stream: ?from=V &count=N
 *                             &direction=forward|backward (404 when absent)
 *   POST /api/events/replay   POSTs /api/projections/rebuild to each URL of
 *                             the `replayTo` option and reports their answers
 *   GET  /health
 *
 * A catch-up subscription is a loop of `GET /api/events?from=<checkpoint>
 * &limit=N&wait=D`: the store answers at once when events after the
 * checkpoint exist, else holds the request until one is appended or the
 * wait is over (then an empty batch), so a caught-up subscriber turns live
 * without a separate protocol.  Every answer carries head_position and
 * head_appended_us, from which a subscriber knows its lag.  A filtered
 * read (aggregate or type) never waits.
 *
 * One event store is one replica's memory: run its Deployment with one
 * replica (several would each keep their own log, as separate databases).
 */
#pragma once

#include "models/apps/eventlog.h"
#include "models/apps/model.h"

G_BEGIN_DECLS

extern const MsModelClass ms_event_store_model_class;

/* The log of an event-store model.  (transfer none) */
MsEventLog *ms_event_store_log (MsModel *model);

G_END_DECLS
