/* models/apps/saga-run.h - the orchestrator's insides, shared by its state
 * machine (saga.c) and its HTTP side (saga-api.c).  Not a public header:
 * other models use saga.h.
 */
#pragma once

#include "models/apps/saga.h"
#include "sim/core/histogram.h"

G_BEGIN_DECLS

/* Outcomes of one step's (or compensation's) commands, for the report. */
typedef struct {
  guint64 ok, failed;      /* commands that succeeded / gave up */
  guint64 attempts, retries, timeouts;
} CallCounts;

/* A saga defined in Amazon States Language (saga-asl.c). */
typedef struct _SagaAsl SagaAsl;

typedef struct {
  MsModel base;
  MsDist latency;
  MsSagaDefinition *def;   /* with no steps when asl is set */
  SagaAsl *asl;            /* the option `definition`, or NULL */
  gboolean async;          /* answer starts with 202 at once */
  gboolean reject_duplicates; /* a repeated order_id gets 409, not the saga */
  gboolean wait_for_lock;  /* onUserLocked "wait": queue behind the user's saga */
  MsTime lock_wait_timeout; /* how long a saga waits before it is rejected */
  int lock_step;           /* the step that takes the lock (releaseAtEnd), or -1 */
  GHashTable *user_queues; /* user -> GQueue of MsSagaRecord *, unfinished sagas in
                            * start order; the head holds (or takes) the lock.
                            * Kept only in "wait" mode. */
  gint64 users;            /* starts without a user cycle over user-1 .. user-N */
  gint64 amount;           /* the amount of starts that give none */
  guint32 compensable;     /* steps with a compensation */
  guint32 released_at_end; /* steps whose compensation is also their release */
  MsSagaLog *log;          /* the Deployment's saga records */
  MsCluster *cluster;      /* set by bind, for the end-of-run invariants */
  const char *namespace_;
  GHashTable *runs;        /* saga id -> Run *, live sagas, borrowed */
  guint64 started, completed, compensated, failed, duplicate_starts;
  guint64 resumed;         /* sagas taken up again after a crash */
  guint64 lock_waits, lock_wait_timeouts;
  guint64 failed_at[MS_SAGA_MAX_STEPS];
  CallCounts *steps;       /* per step: forward commands */
  CallCounts *compensations; /* per step: compensations and releases */
  MsHistogram *durations;  /* of ended sagas, microseconds */
} SagaModel;

typedef struct {
  MsApp base;
  SagaModel *model;
  MsPod *pod;
  GList *runs;             /* Run *, live on this pod */
} SagaApp;

/* PHASE_WAIT: queued behind another saga of the same user, no step sent. */
typedef enum { PHASE_FORWARD, PHASE_COMPENSATE, PHASE_RELEASE, PHASE_WAIT } Phase;

typedef struct {
  SagaApp *app;
  MsSagaRecord *record;    /* borrowed from the log */
  Phase phase;
  int step;                /* of the command in progress */
  int attempt;
  MsTime step_began;
  MsExchange *call;        /* the attempt in flight, or NULL */
  MsTimer attempt_timer, retry_timer, step_timer, lock_timer;
  GPtrArray *waiters;      /* MsExchange *: start requests to answer at the end */
  MsTraceContext trace;    /* of the start request: every command is in its trace */
  GList link;              /* in app->runs */
} Run;

/* Starts record's saga on app's pod; waiter (may be NULL) is answered when
 * it ends.  The run may end, and be freed, before this returns. */
void ms_saga_run_start (SagaApp *app, MsSagaRecord *record, const MsTraceContext *trace,
                        MsExchange *waiter);

/* The pod's process died: every Run on app is dropped, as memory is lost.
 * Records stay in the log. */
void ms_saga_run_crash_all (SagaApp *app);

/* The pod is back: it takes up every saga of the log that is not finished
 * and that no live pod runs, from its record. */
void ms_saga_run_resume_all (SagaApp *app);

/* TRUE when record's saga has nothing left to do: its end state is
 * written and every lock it would release is released (or given up on). */
gboolean ms_saga_record_ended (const SagaModel *model, const MsSagaRecord *record);

/* Asks a running saga to stop and compensate.  FALSE when it is already
 * compensating or ending. */
gboolean ms_saga_run_request_compensation (Run *run);

/* Used inside saga.c. */
void ms_saga_run_append (Run *run, MsSagaEvent *event);
void ms_saga_run_compensate (Run *run);
void ms_saga_run_step_timeout (MsSim *sim, gpointer data);
void ms_saga_run_free (Run *run);

/* Answers exchange with record as JSON (saga-api.c); with_history adds
 * the events.  The status is 200, or for a start request that waited,
 * 409 COMPENSATED and 500 FAILED. */
void ms_saga_api_answer (SagaModel *model, MsExchange *exchange, const MsSagaRecord *record,
                         gboolean with_history);

/* saga-asl.c: the saga in ASL.  ms_saga_asl_parse reads the option
 * `definition` into model->asl (an error when `saga` is given too) and
 * returns the empty step list the built-in side then sees. */
MsSagaDefinition *ms_saga_asl_parse (SagaModel *model, const MsNode *saga,
                                     const MsNode *definition, GError **error);
gboolean ms_saga_asl_bind (SagaModel *model, MsCluster *cluster, const char *namespace_,
                           GError **error);
void ms_saga_asl_start (SagaApp *app, MsSagaRecord *record, const MsTraceContext *trace,
                        MsExchange *waiter);
/* Answers as ms_saga_api_answer does, with the execution's status and
 * its Step Functions history. */
void ms_saga_asl_answer (SagaModel *model, MsExchange *exchange, const MsSagaRecord *record,
                         gboolean with_history);
void ms_saga_asl_report (SagaModel *model, MsReportNode *calls, MsReportNode *workload);
/* Appends the Resource (const MsUrl *, transfer none) of every Task of
 * the machine to urls, for the end-of-run invariants. */
void ms_saga_asl_resources (const SagaModel *model, GPtrArray *urls);
/* The pod of app crashed, or is back. */
void ms_saga_asl_crash (SagaModel *model, SagaApp *app);
void ms_saga_asl_restart (SagaModel *model, SagaApp *app);
void ms_saga_asl_free (SagaAsl *asl);

G_END_DECLS
