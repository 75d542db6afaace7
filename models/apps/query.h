/* models/apps/query.h - the query service (model "query").
 *
 * The read side of CQRS.  It reads the projection of the projector named
 * by `readModel` (a Deployment whose model is "projector") directly, as a
 * query service reads the database its event processor writes, with its
 * own `latency`.  Every answer says how fresh it is, as RavenDB's
 * QueryStatistics do:
 *
 *   as_of_position  the projector's checkpoint: the data includes every
 *                   event up to here and none after
 *   head_position   the store's head as the projector last saw it
 *   lag_events      head_position - as_of_position
 *   lag_ms          age of the oldest event not yet in the data
 *   is_stale        lag_events > 0
 *
 * `min_position=P` (read your own write: P is the position a command
 * answered) holds the query until the projection has reached P, checking
 * every `pollInterval`, for at most `timeout=D` (or the `waitTimeout`
 * option); then it answers 503 {"error": "stale", ...} with the same
 * figures.  A query never answers data older than its min_position.
 *
 *   GET /api/queries/users        {users, total, source, ...}
 *   GET /api/queries/user-stats   {total_users, active_users,
 *                                  new_users_today, source, ...}
 *   GET /api/queries/orders       {orders, total, source, ...}
 *   GET /health
 */
#pragma once

#include "models/apps/model.h"

G_BEGIN_DECLS

extern const MsModelClass ms_query_model_class;

G_END_DECLS
