/* models/apps/asl.h - state machines in Amazon States Language (ASL), as
 * AWS Step Functions runs them, for the saga orchestrator.
 *
 * A definition ({"StartAt", "States", "Comment", "TimeoutSeconds"}) is
 * read and checked once into an MsAslMachine: a table of states with
 * their transitions resolved to indexes.  Checking is strict, as Step
 * Functions' own validator is: an unknown state type or field, a Next
 * that names no state, a state that cannot be reached from StartAt, a
 * state with neither Next nor End, a States.ALL that is not alone and
 * last, are all errors that point at the member in the file.
 *
 * An MsAslExecution runs one machine on one input.  It is a pure state
 * machine with no clock and no network: the caller (models/apps/saga-asl.c)
 * asks it what to do next (an MsAslAction: call this Task's Resource with
 * this body, wait this long, or stop), does it, and feeds back what
 * happened (the Task's result or its error, or "the wait is over").  So
 * the ASL rules (retriers, catchers, paths, choices) are tested here
 * without a mesh, and in the mesh every call still goes through the pod's
 * sidecar.
 *
 * Supported: Task (an HTTP Resource), Pass, Choice, Wait (Seconds,
 * SecondsPath), Succeed, Fail; InputPath, Parameters (with ".$" paths),
 * ResultPath, OutputPath, Result; Retry and Catch.  Paths are the subset
 * $, $.a.b, $.a[0], $['a'] (no filters, no wildcards), and "$$." paths
 * into the context object in Parameters and Choice rules.  An execution
 * that loops without a Task or Wait (1000 states in a row), or whose
 * history passes 25,000 events, fails with States.Runtime.  Parallel, Map,
 * HeartbeatSeconds, ResultSelector, intrinsic functions and the
 * Timestamp* operators are refused with MS_SCENARIO_ERROR_UNSUPPORTED.
 *
 * Error names (docs/saga.md): a Task's HTTP answer that is not 2xx or 3xx
 * is the error "HTTP.<status>" (HTTP.503, HTTP.402), with the answer's
 * body as the Cause; no answer at all is "HTTP.NoResponse"; the Task's
 * own TimeoutSeconds is "States.Timeout".  In ErrorEquals, "HTTP.4xx" and
 * "HTTP.5xx" match any status of that class, "States.TaskFailed" any
 * error but States.Timeout, and "States.ALL" any error at all.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "models/kube/cluster.h"
#include "sim/core/sim.h"
#include "sim/io/node.h"

G_BEGIN_DECLS

typedef enum {
  MS_ASL_TASK,
  MS_ASL_PASS,
  MS_ASL_CHOICE,
  MS_ASL_WAIT,
  MS_ASL_SUCCEED,
  MS_ASL_FAIL,
} MsAslType;

/* "Task", "Pass", ...  (transfer none) */
const char *ms_asl_type_name (MsAslType type);

/* Retriers of one state, each with its own count of retries. */
#define MS_ASL_MAX_RETRIERS 16

typedef struct {
  char **errors;               /* ErrorEquals */
  MsTime interval;             /* IntervalSeconds, default 1 s */
  int max_attempts;            /* retries (not attempts), default 3; 0: none */
  double backoff_rate;         /* default 2.0 */
  MsTime max_delay;            /* MaxDelaySeconds; 0: no cap */
  gboolean full_jitter;        /* JitterStrategy "FULL" */
} MsAslRetrier;

typedef struct {
  char **errors;
  int next;
  const char *result_path;     /* "$" by default; NULL: the JSON null (discard) */
} MsAslCatcher;

/* Choice operators: the comparisons in this order (each also has a
 * "...Path" form, whose value is a path into the input), then the
 * logical ones. */
enum {
  MS_ASL_OP_STRING_EQUALS, MS_ASL_OP_STRING_LT, MS_ASL_OP_STRING_GT, MS_ASL_OP_STRING_LE,
  MS_ASL_OP_STRING_GE,
  MS_ASL_OP_NUMERIC_EQUALS, MS_ASL_OP_NUMERIC_LT, MS_ASL_OP_NUMERIC_GT, MS_ASL_OP_NUMERIC_LE,
  MS_ASL_OP_NUMERIC_GE,
  MS_ASL_OP_BOOLEAN_EQUALS,
  MS_ASL_OP_IS_NULL, MS_ASL_OP_IS_PRESENT, MS_ASL_OP_IS_NUMERIC, MS_ASL_OP_IS_STRING,
  MS_ASL_OP_IS_BOOLEAN,
  MS_ASL_OP_AND, MS_ASL_OP_OR, MS_ASL_OP_NOT,
};
#define MS_ASL_OP_STRING_LAST MS_ASL_OP_STRING_GE
#define MS_ASL_OP_NUMERIC_LAST MS_ASL_OP_NUMERIC_GE

typedef struct _MsAslRule MsAslRule;
struct _MsAslRule {
  int op;
  const char *variable;        /* comparisons: the path compared */
  const MsNode *node;          /* the operator's member: its value is the literal */
  gboolean value_is_path;      /* a "...Path" operator: node->text is a path */
  GPtrArray *children;         /* And, Or, Not: MsAslRule *, owned */
  int next;                    /* rules directly in Choices */
};

typedef struct {
  char *name;
  MsAslType type;
  const MsNode *node;
  int next;                    /* -1 with End, or for Choice/Succeed/Fail */
  /* Paths: "$" by default; NULL for a JSON null. */
  const char *input_path, *output_path, *result_path;
  const MsNode *parameters;    /* Task and Pass; NULL: the effective input */
  const MsNode *result;        /* Pass */
  /* Task */
  MsUrl resource;
  const MsNode *resource_node;
  MsTime timeout;              /* TimeoutSeconds, default 60 s */
  GPtrArray *retriers;         /* MsAslRetrier *, owned; at most MS_ASL_MAX_RETRIERS */
  GPtrArray *catchers;         /* MsAslCatcher *, owned */
  /* Choice */
  GPtrArray *choices;          /* MsAslRule *, owned, each with a Next */
  int default_next;            /* -1: none */
  /* Wait */
  MsTime seconds;
  const char *seconds_path;
  /* Fail */
  const char *error, *cause;
} MsAslState;

typedef struct {
  char *comment;
  int start;
  GPtrArray *states;           /* MsAslState *, owned, in file order */
  MsTime timeout;              /* TimeoutSeconds of the whole execution; 0: none */
  MsNode *own_root;            /* the document, when read from a file */
} MsAslMachine;

/* Reads and checks a definition.  node is the `definition` option: an
 * object, or a string naming a JSON or YAML file relative to the
 * directory of the file node is in.  (transfer full) */
MsAslMachine *ms_asl_machine_parse (const MsNode *node, GError **error);

/* Resolves each Task's Resource from namespace_, as a pod there would. */
gboolean ms_asl_machine_bind (MsAslMachine *machine, MsCluster *cluster,
                              const char *namespace_, GError **error);

/* The index of the state named name, or -1. */
int ms_asl_machine_find (const MsAslMachine *machine, const char *name);

void ms_asl_machine_free (MsAslMachine *machine);

/* Errors. */

/* "HTTP.<status>", or "HTTP.NoResponse" for 0.  (transfer full) */
char *ms_asl_http_error (int status);

/* Whether an ErrorEquals entry matches the error name. */
gboolean ms_asl_error_matches (const char *pattern, const char *error);

/* The wait before retry number retry_count + 1 of retrier:
 * min(IntervalSeconds * BackoffRate^retry_count, MaxDelaySeconds), and
 * with FULL jitter a uniform share of that (u in [0, 1)). */
MsTime ms_asl_retry_delay (const MsAslRetrier *retrier, int retry_count, double u);

/* Paths over json-glib trees. */

/* Checks a path's syntax; context allows "$$." paths into the context
 * object.  FALSE with *reason (transfer full) saying what is wrong. */
gboolean ms_asl_path_check (const char *path, gboolean context, char **reason);

/* The node at path in data, or NULL when there is none.  (transfer none) */
JsonNode *ms_asl_path_get (JsonNode *data, const char *path);

/* Puts value at path in data, creating objects on the way, and returns
 * the new document ("$" replaces it).  FALSE when the path crosses a
 * value that is not an object.  data and value: (transfer full). */
gboolean ms_asl_path_set (JsonNode **data, const char *path, JsonNode *value);

/* Executions. */

typedef enum {
  MS_ASL_RUNNING,
  MS_ASL_SUCCEEDED,
  MS_ASL_FAILED,
  MS_ASL_TIMED_OUT,
} MsAslStatus;

/* "RUNNING", "SUCCEEDED", ...  (transfer none) */
const char *ms_asl_status_name (MsAslStatus status);

typedef struct {
  int id;                      /* from 1, as Step Functions numbers them */
  const char *type;            /* "TaskStateEntered", ... (interned) */
  MsTime at;
  const char *state;           /* borrowed from the machine, or NULL */
  char *error, *cause;         /* failures */
  char *detail;                /* the Task's body, a retry's delay, ... */
} MsAslEvent;

typedef enum {
  MS_ASL_ACTION_CALL,          /* POST body to state->resource, within timeout */
  MS_ASL_ACTION_WAIT,          /* call ms_asl_execution_resume after delay */
  MS_ASL_ACTION_END,           /* the execution is over */
} MsAslActionType;

typedef struct {
  MsAslActionType type;
  const MsAslState *state;     /* CALL and WAIT */
  char *body;                  /* CALL: the Task's effective input as JSON (owned) */
  MsTime delay;                /* WAIT */
} MsAslAction;

void ms_asl_action_clear (MsAslAction *action);

typedef struct _MsAslExecution MsAslExecution;

/* A new execution called name (its $$.Execution.Id) of machine
 * (borrowed; it must outlive the execution) on input (transfer none),
 * started at now: ExecutionStarted, then the states up to the first
 * Task, Wait or end; *action says what to do.  seed drives FULL jitter. */
MsAslExecution *ms_asl_execution_new (const MsAslMachine *machine, const char *name,
                                      JsonNode *input, MsTime now, guint64 seed,
                                      MsAslAction *action);

/* The Task in progress answered: result is its output (transfer none). */
void ms_asl_execution_succeed (MsAslExecution *execution, JsonNode *result, MsTime now,
                               MsAslAction *action);

/* The Task in progress failed with error (and cause, may be NULL):
 * retriers first, then catchers, else the execution fails. */
void ms_asl_execution_fail (MsAslExecution *execution, const char *error, const char *cause,
                            MsTime now, MsAslAction *action);

/* A WAIT is over (a Wait state's, or a retrier's delay). */
void ms_asl_execution_resume (MsAslExecution *execution, MsTime now, MsAslAction *action);

/* The machine's TimeoutSeconds passed: the execution ends TIMED_OUT. */
void ms_asl_execution_time_out (MsAslExecution *execution, MsTime now);

MsAslStatus ms_asl_execution_status (const MsAslExecution *execution);
/* The error and cause it ended with, or NULL.  (transfer none) */
const char *ms_asl_execution_error (const MsAslExecution *execution);
const char *ms_asl_execution_cause (const MsAslExecution *execution);
/* How many times a Catch moved it on. */
guint ms_asl_execution_caught (const MsAslExecution *execution);
/* Whether it ended in a Fail state (rather than an uncaught error). */
gboolean ms_asl_execution_ended_in_fail_state (const MsAslExecution *execution);
/* The output (SUCCEEDED) or NULL; the current state's name or NULL.
 * (transfer none) */
JsonNode *ms_asl_execution_output (const MsAslExecution *execution);
const char *ms_asl_execution_state (const MsAslExecution *execution);
/* The history: MsAslEvent *.  (transfer none) */
const GPtrArray *ms_asl_execution_history (const MsAslExecution *execution);
/* The attempt number (from 1) of the Task in progress. */
int ms_asl_execution_attempt (const MsAslExecution *execution);

void ms_asl_execution_free (MsAslExecution *execution);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsAslMachine, ms_asl_machine_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsAslExecution, ms_asl_execution_free)

G_END_DECLS
