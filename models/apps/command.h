/* models/apps/command.h - the command service (model "command").
 *
 * The write side of CQRS.  Each command is validated (400 with the
 * reason), its aggregate is loaded by reading its stream from the event
 * store and folding it (models/apps/projection.h), a decision is taken
 * (404 for a missing user or order, 409 for one that already exists or is
 * already cancelled), and the new event is appended with the stream's
 * version as the expected version.  A 409 wrong_expected_version means
 * another writer got there first: the command reloads, decides again and
 * retries, up to `maxAttempts` in all, then answers 409 "conflict".  An
 * append that got no answer (a timeout, a 5xx) is sent again unchanged:
 * its event id makes the retry idempotent, so the store answers
 * "duplicate" if the first one had been written.
 *
 *   POST /api/commands/create-user   {user_id?, name?, email?}
 *   POST /api/commands/update-user   {user_id, name?, email?, status?}
 *   POST /api/commands/create-order  {order_id?, user_id, amount}
 *   POST /api/commands/cancel-order  {order_id, reason?}
 *   GET  /health
 *
 * create-user accepts an empty body, as the lab's curl sends none: the
 * user gets a generated id ("user-<n>"), name and email.  Ids and event
 * ids come from counters of the Deployment, so runs are reproducible.
 * The answer: {command_id, type, status: "accepted", aggregate_id,
 * event_id, version, position, attempts}; the position is what a reader
 * passes as min_position to read its own write.
 *
 * Options: `eventStore` (URL, default http://event-store), `latency`,
 * `maxAttempts` (default 3), `timeout` (per call to the store, default
 * 2s).
 */
#pragma once

#include "models/apps/model.h"

G_BEGIN_DECLS

extern const MsModelClass ms_command_model_class;

G_END_DECLS
