/* models/apps/saga-log.h - the orchestrator's persisted saga records, kept
 * as an append-only log of events, one stream per saga.
 *
 * The record of a saga (its state, current step, attempt, the steps done
 * and compensated, the last request id) is never written directly: every
 * change is an event appended to the saga's stream, and the record is the
 * fold of that stream.  So the history a user reads with GET
 * /api/saga/{id} is exactly what the record was built from, and
 * ms_saga_record_replay rebuilds it (reference section 7.8).  The
 * orchestrator appends StepScheduled before it sends a command (the
 * outbox rule of section 7.1).
 *
 * The events are stored in the event store's log (models/apps/eventlog.h):
 * one stream per saga named by its id, appended with the stream's exact
 * expected version, each with its global position.  The log lives in
 * memory, one per orchestrator Deployment, shared by its pods as a
 * database would be, and it survives their crashes.  It is the
 * orchestrator's own store, not an event-store Deployment reached over
 * the mesh: the orchestrator writes before every command, and a network
 * hop there would be a second failure point that the issue does not ask
 * for.
 *
 * States:
 *   STARTED -> RUNNING(step k) -> ... -> COMPLETED
 *                              \-> COMPENSATING(step j) -> ... -> COMPENSATED
 *                                                          \-> FAILED
 * FAILED means a compensation gave up after its own retry budget: the
 * saga needs a human, and is never counted as compensated.
 */
#pragma once

#include <glib.h>

#include "models/apps/eventlog.h"
#include "sim/core/sim.h"

G_BEGIN_DECLS

typedef enum {
  MS_SAGA_STARTED,
  MS_SAGA_RUNNING,
  MS_SAGA_COMPENSATING,
  MS_SAGA_COMPLETED,
  MS_SAGA_COMPENSATED,
  MS_SAGA_FAILED,
} MsSagaState;

/* "STARTED", "RUNNING", ...  (transfer none) */
const char *ms_saga_state_name (MsSagaState state);
gboolean ms_saga_state_is_final (MsSagaState state);

typedef enum {
  MS_SAGA_EVENT_STARTED,                  /* SagaStarted */
  MS_SAGA_EVENT_STEP_SCHEDULED,           /* an attempt is about to be sent */
  MS_SAGA_EVENT_STEP_COMPLETED,
  MS_SAGA_EVENT_STEP_FAILED,              /* final: the step gives up */
  MS_SAGA_EVENT_STEP_TIMED_OUT,           /* final: the step gives up */
  MS_SAGA_EVENT_COMPENSATION_REQUESTED,   /* by the API, while running */
  MS_SAGA_EVENT_COMPENSATION_SCHEDULED,
  MS_SAGA_EVENT_COMPENSATION_COMPLETED,
  MS_SAGA_EVENT_COMPENSATION_FAILED,      /* final: the compensation gives up */
  MS_SAGA_EVENT_COMPLETED,                /* SagaCompleted */
  MS_SAGA_EVENT_COMPENSATED,              /* SagaCompensated */
  MS_SAGA_EVENT_FAILED,                   /* SagaFailed */
  MS_SAGA_EVENT_RELEASE_SCHEDULED,        /* a lock's release at the end */
  MS_SAGA_EVENT_RELEASED,
  MS_SAGA_EVENT_RELEASE_FAILED,
  MS_SAGA_EVENT_RESUMED,                  /* a restarted pod took the saga up */
  MS_SAGA_EVENT_WAITING,                  /* queued behind the user's lock */
} MsSagaEventType;

/* "StepScheduled", ...  (transfer none) */
const char *ms_saga_event_type_name (MsSagaEventType type);

typedef struct {
  guint64 position;        /* in the whole log, from 1 (set by append) */
  guint version;           /* in the saga's stream, from 1 (set by append) */
  MsSagaEventType type;
  MsTime at;
  int step;                /* -1 when not about a step */
  int attempt;             /* of the command, from 1 */
  int status;              /* the HTTP status seen, 0 for none */
  gboolean final;          /* failures: no more attempts follow */
  gboolean compensate;     /* a final step failure: compensate this step too */
  char *detail;            /* request id (scheduled), reason (failures), or NULL */
  /* SagaStarted only: the saga's input. */
  char *key, *user;
  gint64 amount, items;
} MsSagaEvent;

typedef struct {
  char *id;                /* "saga-7" */
  char *key;               /* the business key, the order id */
  char *user;
  gint64 amount, items;
  MsSagaState state;
  int step;                /* the step (or compensation) in progress, -1 before */
  int attempt;
  guint compensation_attempts;   /* over all compensations */
  guint32 completed;       /* steps done (bit k: step k) */
  guint32 ambiguous;       /* steps that failed without a business answer, to
                            * compensate as if done */
  guint32 compensated;
  guint32 compensation_failed;
  guint32 released;
  guint32 release_failed;
  gboolean compensation_requested;
  int failed_step;         /* the forward step that failed, -1 for none */
  int failed_compensation; /* the compensation that gave up first, -1 for none */
  char *failure;           /* why the forward path stopped */
  char *last_request_id;
  MsTime started_at, ended_at;
  GPtrArray *history;      /* MsSagaEvent *, owned: the stream */
} MsSagaRecord;

typedef struct _MsSagaLog MsSagaLog;

MsSagaLog *ms_saga_log_new (void);
void ms_saga_log_free (MsSagaLog *log);

/* Starts a saga: a new stream "saga-N" with its SagaStarted event.
 * (transfer none) */
MsSagaRecord *ms_saga_log_start (MsSagaLog *log, const char *key, const char *user,
                                 gint64 amount, gint64 items, MsTime now);

/* Appends a copy of event to record's stream if the stream's version is
 * expected (optimistic concurrency, as an event store checks it), sets its
 * position and version, and applies it to the record.  FALSE, and nothing
 * written, on a version mismatch. */
gboolean ms_saga_log_append (MsSagaLog *log, MsSagaRecord *record, guint expected,
                             const MsSagaEvent *event);

/* Lookups.  (transfer none) or NULL */
MsSagaRecord *ms_saga_log_find (const MsSagaLog *log, const char *id);
MsSagaRecord *ms_saga_log_find_key (const MsSagaLog *log, const char *key);

/* Sagas in start order.  (transfer none) */
const GPtrArray *ms_saga_log_records (const MsSagaLog *log);

/* The position of the last event, 0 when empty. */
guint64 ms_saga_log_head (const MsSagaLog *log);

/* The stored events: one stream per saga, named by its id, each event's
 * type as its name ("StepScheduled") and its fields as JSON data.
 * (transfer none) */
const MsEventLog *ms_saga_log_events (const MsSagaLog *log);

/* A new record of saga id folded from the stored events alone (decoded
 * from their JSON), with its history; NULL for an unknown id.
 * (transfer full) */
MsSagaRecord *ms_saga_log_replay (const MsSagaLog *log, const char *id);

/* The fold: what one event does to a record. */
void ms_saga_record_apply (MsSagaRecord *record, const MsSagaEvent *event);

/* A new record folded from record's history alone.  (transfer full) */
MsSagaRecord *ms_saga_record_replay (const MsSagaRecord *record);

/* TRUE when two records hold the same state (histories not compared). */
gboolean ms_saga_record_equal (const MsSagaRecord *a, const MsSagaRecord *b);

void ms_saga_record_free (MsSagaRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsSagaRecord, ms_saga_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsSagaLog, ms_saga_log_free)

G_END_DECLS
