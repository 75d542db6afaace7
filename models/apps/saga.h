/* models/apps/saga.h - the saga orchestrator (model "saga-orchestrator").
 *
 * Runs the saga of models/apps/saga-def.h for every POST (or GET, as the
 * lab's curl does) to /api/saga/start: each step is a command sent
 * through the pod's sidecar to its participant, retried by the step's
 * policy on transient failures (5xx, no answer, the attempt's timeout)
 * and never on a business refusal (4xx other than 408 and 429).  When a
 * step gives up, the steps done so far are compensated in reverse order,
 * each compensation with its own retry budget; the failed step itself is
 * compensated too when it is `ambiguous` and its outcome is unknown.
 * With the option `definition`, the saga is instead an Amazon States
 * Language state machine (models/apps/asl.h), run by saga-asl.c.
 *
 * The HTTP API:
 *   /api/saga/start            body {"order_id", "user", "amount", "items"},
 *                              all optional; answers when the saga ends
 *                              (200 COMPLETED, 409 COMPENSATED, 500 FAILED),
 *                              or at once with 202 when the option "async"
 *                              is true.  A repeated order_id returns the
 *                              saga already started for it.
 *   GET  /api/saga/{id}        the record and its history
 *   POST /api/saga/{id}/compensate   stops a running saga and compensates it
 *   /api/saga/compensate       the same for the most recent running saga
 *   GET  /api/saga             counts by state
 *   GET  /health
 *
 * Every command carries {"message_id": "<saga>/<step or compensation>"},
 * the same for every attempt of it, so participants apply it once.
 */
#pragma once

#include "models/apps/model.h"
#include "models/apps/saga-def.h"
#include "models/apps/saga-log.h"

G_BEGIN_DECLS

extern const MsModelClass ms_saga_orchestrator_model_class;

typedef struct {
  guint64 started;
  guint64 completed;
  guint64 compensated;
  guint64 failed;
  guint64 in_flight;
} MsSagaCounts;

/* Adds model's counts to counts.  FALSE (and nothing added) when model
 * is not an orchestrator. */
gboolean ms_saga_orchestrator_counts (const MsModel *model, MsSagaCounts *counts);

/* The orchestrator's records, for tests and tools.  (transfer none) */
MsSagaLog *ms_saga_orchestrator_log (const MsModel *model);
const MsSagaDefinition *ms_saga_orchestrator_definition (const MsModel *model);

G_END_DECLS
