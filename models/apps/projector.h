/* models/apps/projector.h - the event processor (model "projector").
 *
 * A catch-up subscriber of the event store that keeps the lab's read
 * models (models/apps/projection.h) up to date, the way an Axon tracking
 * processor or a Marten async daemon does:
 *
 * - It long-polls `GET <eventStore>/api/events?from=<checkpoint>
 *   &limit=<batchSize>&wait=<wait>` through its pod's sidecar, then
 *   applies the batch one event at a time, `processingDelay` each, so lag
 *   is real and grows under a write burst.
 * - The checkpoint is stored with the projection in one step (the same
 *   transaction), so a crash can lose work in progress but never apply an
 *   event twice or skip one.  An event at or before the checkpoint is
 *   ignored (and counted: it should never come); an event after
 *   checkpoint + 1 is a gap, and the processor re-polls instead of
 *   passing it.
 * - The projection is the Deployment's database, shared by its replicas;
 *   one replica at a time holds the processing claim (Axon's token claim),
 *   renewed at every step and taken over by another replica after
 *   `claimTimeout` without renewal (a crashed owner).
 * - `POST /api/projections/rebuild` resets the projection and the
 *   checkpoint and replays from position 0.  Side effects (a welcome
 *   notification per UserCreated, counted in the report) are suppressed
 *   for events at or before the highest position ever applied, as
 *   @DisallowReplay handlers are.
 *
 * Endpoints: GET /api/projections/status, POST /api/projections/update
 * (wakes a sleeping processor and reports progress), POST
 * /api/projections/rebuild, GET /health.
 *
 * The head of the store is what the processor's last poll answered: the
 * store sends its head with every batch, so the figure is at most one
 * batch old.  Reading it from the store on every status or query would
 * double the traffic for a number that is stale again on arrival.
 */
#pragma once

#include "models/apps/model.h"
#include "models/apps/projection.h"

G_BEGIN_DECLS

extern const MsModelClass ms_projector_model_class;

/* What a reader of the projection needs to say how fresh it is. */
typedef struct {
  guint64 position;      /* the checkpoint: every event up to here applied */
  guint64 head;          /* the store's head, as last seen */
  guint64 lag_events;    /* head - position, or 0 */
  MsTime lag;            /* age of the oldest event not applied yet, or 0 */
  gboolean rebuilding;
} MsProjectorState;

void ms_projector_state (MsModel *model, MsTime now, MsProjectorState *out);

/* The projection (the shared read database).  (transfer none) */
const MsProjection *ms_projector_projection (MsModel *model);

G_END_DECLS
