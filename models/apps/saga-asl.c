/* models/apps/saga-asl.c - the orchestrator running a saga written in
 * Amazon States Language (option `definition`).
 *
 * The ASL rules live in models/apps/asl.h; this file is the outside
 * world of an execution: it sends each Task's command through the pod's
 * sidecar (so the mesh's routes, retries, timeouts and faults apply, as
 * for the built-in saga), arms the Task's TimeoutSeconds and the waits,
 * and feeds the outcomes back.  A Task's answer that is 2xx or 3xx is its
 * result (the body, parsed as JSON); anything else is the error
 * "HTTP.<status>" with the body as the Cause, no answer at all is
 * "HTTP.NoResponse", and the Task's own timeout is "States.Timeout".
 *
 * Each saga still gets a record in the saga log (its id, order and user,
 * and one end event), so that starts stay idempotent per order id and
 * the report's sagas.* counts mean the same as for the built-in saga:
 *   SUCCEEDED                                   -> completed
 *   FAILED in a Fail state after one Catch      -> compensated
 *   FAILED by an error nothing caught, in a
 *   Fail state after a second Catch, or
 *   TIMED_OUT                                   -> failed
 * The first Catch starts the compensations; an error caught after it is
 * a compensation that gave up, which the definition catches only to
 * release what the saga holds (the built-in saga's release on FAILED).
 * The execution's own status and Step Functions history are kept beside
 * the record, and GET /api/saga/{id} shows both.
 *
 * Every command carries "message_id": "<saga>/<state>" (and a request id
 * per attempt) unless Parameters set one, so that participants apply a
 * retried command once, as they do for the built-in saga.
 *
 * Not done: /api/saga/{id}/compensate (Step Functions' StopExecution)
 * answers 409 for an ASL saga.
 */
#include "models/apps/saga-run.h"

#include "models/apps/asl.h"
#include "models/apps/pattern.h"
#include "models/apps/saga-wire.h"
#include "sim/io/read.h"

#include <string.h>

typedef struct {
  SagaModel *model;
  SagaApp *app;
  MsSagaRecord *record;        /* borrowed from the log */
  MsAslExecution *execution;
  const MsAslState *task;      /* the Task whose call is in flight */
  MsExchange *call;
  char *body;                  /* the Task's input, kept for a resend after a crash */
  MsTime wait_due;             /* when the wait in progress ends */
  gboolean waiting, crashed;
  MsTimer call_timer, wait_timer, execution_timer;
  GPtrArray *waiters;          /* MsExchange *: start requests to answer at the end */
  MsTraceContext trace;
} AslRun;

struct _SagaAsl {
  MsAslMachine *machine;
  GHashTable *runs;            /* saga id -> AslRun *, borrowed from order */
  GPtrArray *order;            /* AslRun *, owned, in start order */
  CallCounts *calls;           /* per state of the machine */
  guint64 statuses[MS_ASL_TIMED_OUT + 1];
};

static void act (AslRun *run, MsAslAction *action);
static void abandon_call (AslRun *run);

static MsSim *
run_sim (AslRun *run)
{
  return ms_cluster_sim (run->app->pod->cluster);
}

static CallCounts *
task_counts (AslRun *run, const MsAslState *state)
{
  int k = ms_asl_machine_find (run->model->asl->machine, state->name);
  return &run->model->asl->calls[k];
}

/* The saga's end: the record's end event, the counts, the clients. */
static void
finish (AslRun *run)
{
  SagaModel *m = run->model;
  MsSim *sim = run_sim (run);
  ms_sim_cancel (sim, &run->call_timer);
  ms_sim_cancel (sim, &run->wait_timer);
  ms_sim_cancel (sim, &run->execution_timer);
  MsAslStatus status = ms_asl_execution_status (run->execution);
  m->asl->statuses[status]++;
  MsSagaEventType type = MS_SAGA_EVENT_FAILED;
  if (status == MS_ASL_SUCCEEDED)
    {
      type = MS_SAGA_EVENT_COMPLETED;
      m->completed++;
    }
  else if (status == MS_ASL_FAILED && ms_asl_execution_caught (run->execution) == 1
           && ms_asl_execution_ended_in_fail_state (run->execution))
    {
      type = MS_SAGA_EVENT_COMPENSATED;
      m->compensated++;
    }
  else
    m->failed++;
  MsSagaEvent event = { .type = type, .step = -1, .at = ms_sim_now (sim),
                        .detail = (char *) ms_asl_execution_error (run->execution) };
  gboolean ok = ms_saga_log_append (m->log, run->record, run->record->history->len, &event);
  g_assert (ok);
  ms_histogram_record (m->durations, run->record->ended_at - run->record->started_at);
  for (guint i = 0; i < run->waiters->len; i++)
    ms_saga_api_answer (m, run->waiters->pdata[i], run->record, FALSE);
  g_ptr_array_set_size (run->waiters, 0);
}

static void
wait_over (MsSim *sim, gpointer data)
{
  AslRun *run = data;
  MsAslAction action = { 0 };
  run->waiting = FALSE;
  ms_asl_execution_resume (run->execution, ms_sim_now (sim), &action);
  act (run, &action);
}

/* A Task's attempt failed with error: retried, caught or the end. */
static void
task_failed (AslRun *run, const char *error, const char *cause)
{
  CallCounts *counts = task_counts (run, run->task);
  MsAslAction action = { 0 };
  ms_asl_execution_fail (run->execution, error, cause, ms_sim_now (run_sim (run)), &action);
  if (action.type == MS_ASL_ACTION_WAIT && action.state == run->task)
    counts->retries++;
  else
    counts->failed++;
  act (run, &action);
}

static void
call_done (MsExchange *ex, gpointer data)
{
  AslRun *run = data;
  MsSim *sim = run_sim (run);
  ms_sim_cancel (sim, &run->call_timer);
  run->call = NULL;
  int status = ex->status;
  JsonObject *object = NULL;
  g_autoptr (JsonNode) answer = ms_pattern_answer (ex->body, &object);
  ms_exchange_unref (ex);
  if (status >= 200 && status < 400)
    {
      task_counts (run, run->task)->ok++;
      g_autoptr (JsonNode) empty = json_from_string ("{}", NULL);
      MsAslAction action = { 0 };
      ms_asl_execution_succeed (run->execution, answer ? answer : empty, ms_sim_now (sim),
                                &action);
      act (run, &action);
      return;
    }
  g_autofree char *error = ms_asl_http_error (status);
  g_autofree char *cause = answer ? json_to_string (answer, FALSE)
                           : g_strdup_printf ("%s got no response", run->task->name);
  task_failed (run, error, cause);
}

static void
call_timeout (MsSim *sim, gpointer data)
{
  (void) sim;
  AslRun *run = data;
  abandon_call (run);
  task_counts (run, run->task)->timeouts++;
  g_autofree char *cause = g_strdup_printf ("%s timed out after %" G_GINT64_FORMAT " s",
                                            run->task->name, run->task->timeout / MS_SEC (1));
  task_failed (run, "States.Timeout", cause);
}

/* The body of a Task's command: its effective input, with the message id
 * (the same for every attempt) and this attempt's request id added when
 * it is an object that does not set them. */
static char *
command_body (AslRun *run, const char *input)
{
  g_autoptr (JsonNode) node = json_from_string (input, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup (input);
  JsonObject *object = json_node_get_object (node);
  const char *name = run->task->name;
  if (!json_object_has_member (object, "message_id"))
    {
      g_autofree char *id = g_strdup_printf ("%s/%s", run->record->id, name);
      json_object_set_string_member (object, "message_id", id);
    }
  if (!json_object_has_member (object, "request_id"))
    {
      g_autofree char *id = g_strdup_printf ("%s/%s/%d", run->record->id, name,
                                             ms_asl_execution_attempt (run->execution));
      json_object_set_string_member (object, "request_id", id);
    }
  return json_to_string (node, FALSE);
}

static void
send_call (AslRun *run, const MsAslState *task, const char *input)
{
  MsPod *pod = run->app->pod;
  MsCluster *cluster = pod->cluster;
  MsSim *sim = ms_cluster_sim (cluster);
  run->task = task;
  if (input != run->body)
    {
      g_free (run->body);
      run->body = g_strdup (input);
    }
  task_counts (run, task)->attempts++;
  g_autofree char *text = command_body (run, input);
  MsRequest *request = ms_request_new (ms_cluster_pool (cluster));
  request->method = g_intern_static_string ("POST");
  request->host = task->resource.host;
  request->port = task->resource.port;
  request->path = task->resource.path;
  request->body = ms_body_new_text (text, -1);
  ms_request_set_trace_context (request, &run->trace);
  run->call = ms_exchange_new (ms_cluster_pool (cluster), request, pod, ms_sim_now (sim),
                               call_done, run);
  ms_request_unref (request);
  run->call_timer = ms_sim_schedule (sim, task->timeout, call_timeout, run);
  ms_pod_send (pod, run->call);
}

/* Does what the execution asked for; takes action's contents. */
static void
act (AslRun *run, MsAslAction *action)
{
  switch (action->type)
    {
    case MS_ASL_ACTION_CALL:
      send_call (run, action->state, action->body);
      break;
    case MS_ASL_ACTION_WAIT:
      run->waiting = TRUE;
      run->wait_due = ms_sim_now (run_sim (run)) + action->delay;
      run->wait_timer = ms_sim_schedule (run_sim (run), action->delay, wait_over, run);
      break;
    case MS_ASL_ACTION_END:
      finish (run);
      break;
    default:
      g_assert_not_reached ();
    }
  ms_asl_action_clear (action);
}

/* Gives up the call in flight, if any: its reply will reach nobody. */
static void
abandon_call (AslRun *run)
{
  MsExchange *ex = g_steal_pointer (&run->call);
  if (ex == NULL)
    return;
  ms_exchange_cancel (ex);
  ms_exchange_unref (ex);
}

static void
execution_timeout (MsSim *sim, gpointer data)
{
  AslRun *run = data;
  abandon_call (run);
  ms_sim_cancel (sim, &run->wait_timer);
  ms_sim_cancel (sim, &run->call_timer);
  ms_asl_execution_time_out (run->execution, ms_sim_now (sim));
  finish (run);
}

void
ms_saga_asl_start (SagaApp *app, MsSagaRecord *record, const MsTraceContext *trace,
                   MsExchange *waiter)
{
  SagaModel *m = app->model;
  SagaAsl *asl = m->asl;
  MsSim *sim = ms_cluster_sim (app->pod->cluster);
  AslRun *run = g_new0 (AslRun, 1);
  run->model = m;
  run->app = app;
  run->record = record;
  run->trace = *trace;
  run->waiters = g_ptr_array_new ();
  if (waiter != NULL)
    g_ptr_array_add (run->waiters, waiter);
  g_ptr_array_add (asl->order, run);
  g_hash_table_insert (asl->runs, record->id, run);
  m->started++;
  /* The execution's input: what the built-in saga sends every step. */
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  ms_saga_wire_add_saga (b, record->id, record->key, record->user, record->amount,
                         record->items);
  json_builder_end_object (b);
  g_autoptr (JsonNode) input = json_builder_get_root (b);
  if (asl->machine->timeout > 0)
    run->execution_timer = ms_sim_schedule (sim, asl->machine->timeout, execution_timeout, run);
  MsAslAction action = { 0 };
  run->execution = ms_asl_execution_new (asl->machine, record->id, input, ms_sim_now (sim),
                                         g_str_hash (record->id), &action);
  act (run, &action);
}

/* Crash and restart.  The execution itself (its state, history and
 * TimeoutSeconds) is kept by the Deployment, as the saga log is, so that
 * only what the pod's process held is lost: the call in flight, whose
 * reply will reach nobody, the timers, and the clients' connections.
 * After the restart the pod sends the same Task again (same message id,
 * so the participant answers from its store) or waits out what is left
 * of a wait. */

void
ms_saga_asl_crash (SagaModel *m, SagaApp *app)
{
  MsSim *sim = ms_cluster_sim (app->pod->cluster);
  for (guint i = 0; i < m->asl->order->len; i++)
    {
      AslRun *run = m->asl->order->pdata[i];
      if (run->app != app || ms_asl_execution_status (run->execution) != MS_ASL_RUNNING)
        continue;
      abandon_call (run);
      ms_sim_cancel (sim, &run->call_timer);
      ms_sim_cancel (sim, &run->wait_timer);
      run->crashed = TRUE;
      for (guint k = 0; k < run->waiters->len; k++)
        ms_exchange_finish (run->waiters->pdata[k], 0, 0, MS_RESET_CONNECTION_TERMINATION,
                            NULL);
      g_ptr_array_set_size (run->waiters, 0);
    }
}

void
ms_saga_asl_restart (SagaModel *m, SagaApp *app)
{
  MsSim *sim = ms_cluster_sim (app->pod->cluster);
  for (guint i = 0; i < m->asl->order->len; i++)
    {
      AslRun *run = m->asl->order->pdata[i];
      if (run->app != app || !run->crashed)
        continue;
      run->crashed = FALSE;
      if (ms_asl_execution_status (run->execution) != MS_ASL_RUNNING)
        continue;
      if (run->waiting)
        run->wait_timer = ms_sim_schedule (sim, MAX (run->wait_due - ms_sim_now (sim), 0),
                                           wait_over, run);
      else
        send_call (run, run->task, run->body);
    }
}

/* Answers. */

static void
add_ms (JsonBuilder *b, const char *name, MsTime at)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, (double) at / 1000.0);
}

/* The execution as Step Functions' DescribeExecution and
 * GetExecutionHistory show it. */
static void
write_execution (JsonBuilder *b, const MsAslExecution *x, gboolean with_history)
{
  MsAslStatus status = ms_asl_execution_status (x);
  ms_saga_wire_add_string (b, "execution_status", ms_asl_status_name (status));
  ms_saga_wire_add_string (b, "current_state", ms_asl_execution_state (x));
  ms_saga_wire_add_string (b, "error", ms_asl_execution_error (x));
  ms_saga_wire_add_string (b, "cause", ms_asl_execution_cause (x));
  if (ms_asl_execution_output (x) != NULL)
    {
      json_builder_set_member_name (b, "output");
      json_builder_add_value (b, json_node_copy (ms_asl_execution_output (x)));
    }
  if (!with_history)
    return;
  const GPtrArray *h = ms_asl_execution_history (x);
  json_builder_set_member_name (b, "history");
  json_builder_begin_array (b);
  for (guint i = 0; i < h->len; i++)
    {
      const MsAslEvent *e = h->pdata[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, e->id);
      ms_saga_wire_add_string (b, "type", e->type);
      add_ms (b, "at_ms", e->at);
      if (e->state != NULL)
        ms_saga_wire_add_string (b, "state", e->state);
      if (e->error != NULL)
        ms_saga_wire_add_string (b, "error", e->error);
      if (e->cause != NULL)
        ms_saga_wire_add_string (b, "cause", e->cause);
      if (e->detail != NULL)
        ms_saga_wire_add_string (b, "detail", e->detail);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

void
ms_saga_asl_answer (SagaModel *m, MsExchange *ex, const MsSagaRecord *record,
                    gboolean with_history)
{
  static const int codes[] = {
    [MS_SAGA_COMPLETED] = 200, [MS_SAGA_COMPENSATED] = 409, [MS_SAGA_FAILED] = 500,
  };
  /* NULL for a record this orchestrator did not run (one read back from
   * a saved log): its saga fields are all there is. */
  AslRun *run = g_hash_table_lookup (m->asl->runs, record->id);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  ms_saga_wire_add_string (b, "saga_id", record->id);
  ms_saga_wire_add_string (b, "saga", m->def->name);
  ms_saga_wire_add_string (b, "order_id", record->key);
  ms_saga_wire_add_string (b, "user", record->user);
  ms_saga_wire_add_string (b, "status", ms_saga_state_name (record->state));
  add_ms (b, "start_ms", record->started_at);
  if (ms_saga_state_is_final (record->state))
    add_ms (b, "stop_ms", record->ended_at);
  if (run != NULL)
    write_execution (b, run->execution, with_history);
  json_builder_end_object (b);
  int status = with_history ? 200 : ms_saga_state_is_final (record->state)
               ? codes[record->state] : 202;
  ms_saga_wire_reply (ex, status, b);
}

/* The model's side. */

MsSagaDefinition *
ms_saga_asl_parse (SagaModel *m, const MsNode *saga, const MsNode *definition, GError **error)
{
  if (saga != NULL)
    {
      ms_read_fail_key (error, saga, MS_SCENARIO_ERROR_VALUE, "give either 'saga' (meshsim's "
                        "step list) or 'definition' (Amazon States Language), not both");
      return NULL;
    }
  if (definition->kind != MS_NODE_OBJECT && definition->kind != MS_NODE_STRING)
    {
      ms_read_fail (error, definition, MS_SCENARIO_ERROR_TYPE, "expected an ASL state "
                    "machine (an object with StartAt and States) or the path of a file "
                    "holding one, found %s", ms_node_kind_name (definition->kind));
      return NULL;
    }
  g_autoptr (MsAslMachine) machine = ms_asl_machine_parse (definition, error);
  if (machine == NULL)
    return NULL;
  SagaAsl *asl = g_new0 (SagaAsl, 1);
  asl->runs = g_hash_table_new (g_str_hash, g_str_equal);
  asl->order = g_ptr_array_new ();
  asl->calls = g_new0 (CallCounts, machine->states->len);
  asl->machine = g_steal_pointer (&machine);
  m->asl = asl;
  /* The built-in side sees a saga of no steps, named after the file the
   * state machine is in (Step Functions names a machine apart from its
   * Comment, which is prose). */
  MsSagaDefinition *def = g_new0 (MsSagaDefinition, 1);
  if (definition->kind == MS_NODE_STRING)
    {
      g_autofree char *base = g_path_get_basename (definition->text);
      char *dot = strchr (base, '.');
      if (dot != NULL && dot != base)
        *dot = '\0';
      def->name = g_strdup (base);
    }
  else
    def->name = g_strdup ("state-machine");
  def->steps = g_ptr_array_new ();
  return def;
}

gboolean
ms_saga_asl_bind (SagaModel *m, MsCluster *cluster, const char *namespace_, GError **error)
{
  return ms_asl_machine_bind (m->asl->machine, cluster, namespace_, error);
}

void
ms_saga_asl_report (SagaModel *m, MsReportNode *calls, MsReportNode *workload)
{
  SagaAsl *asl = m->asl;
  MsReportNode *executions = ms_report_object (workload, "executions");
  for (int s = MS_ASL_RUNNING; s <= MS_ASL_TIMED_OUT; s++)
    ms_report_set_int (executions, ms_asl_status_name (s),
                       s == MS_ASL_RUNNING ? (gint64) (asl->order->len - asl->statuses[1]
                                                       - asl->statuses[2] - asl->statuses[3])
                       : (gint64) asl->statuses[s]);
  /* History events by type, over every execution: a run's whole story in
   * a few numbers (how often a Catch led on, how many retries ran). */
  MsReportNode *events = ms_report_object (workload, "history_events");
  for (guint i = 0; i < asl->order->len; i++)
    {
      const GPtrArray *h = ms_asl_execution_history (((AslRun *) asl->order->pdata[i])->execution);
      for (guint j = 0; j < h->len; j++)
        ms_report_add_int (events, ((MsAslEvent *) h->pdata[j])->type, 1);
    }
  for (guint k = 0; k < asl->machine->states->len; k++)
    {
      const MsAslState *s = asl->machine->states->pdata[k];
      const CallCounts *c = &asl->calls[k];
      if (s->type != MS_ASL_TASK)
        continue;
      MsReportNode *node = ms_report_object (calls, s->name);
      const char *keys[] = { "ok", "failed", "attempts", "retries", "timeouts" };
      const guint64 values[] = { c->ok, c->failed, c->attempts, c->retries, c->timeouts };
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        ms_report_add_int (node, keys[i], (gint64) values[i]);
    }
}

void
ms_saga_asl_resources (const SagaModel *m, GPtrArray *urls)
{
  const GPtrArray *states = m->asl->machine->states;
  for (guint k = 0; k < states->len; k++)
    {
      const MsAslState *s = states->pdata[k];
      if (s->type == MS_ASL_TASK)
        g_ptr_array_add (urls, (gpointer) &s->resource);
    }
}

static void
run_free (gpointer data)
{
  AslRun *run = data;
  /* Exchanges still in flight stay with the cluster's pool, and timers
   * with the simulation, as for the built-in saga's runs. */
  ms_asl_execution_free (run->execution);
  g_ptr_array_unref (run->waiters);
  g_free (run->body);
  g_free (run);
}

void
ms_saga_asl_free (SagaAsl *asl)
{
  if (asl == NULL)
    return;
  g_hash_table_unref (asl->runs);
  g_ptr_array_set_free_func (asl->order, run_free);
  g_ptr_array_unref (asl->order);
  g_free (asl->calls);
  ms_asl_machine_free (asl->machine);
  g_free (asl);
}
