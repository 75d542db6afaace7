/* models/apps/saga.c - the orchestrator's state machine.
 *
 * A Run is the live part of a saga: the command in flight, its timers,
 * and the clients waiting for the end.  Everything that must survive is
 * in the saga's record (models/apps/saga-log.h), and every decision below
 * reads the record: which step comes next, which steps to compensate, in
 * which order.  A Run lives on the pod that took the start request; the
 * log belongs to the Deployment.
 *
 * Order of work for one command: append the Scheduled event (the record
 * is written before the command leaves), send, then on the answer append
 * Completed or Failed/TimedOut and move on.  An attempt that times out is
 * cancelled, so its reply, if it ever comes, reaches nobody: a late reply
 * cannot move the saga (its request id is no longer the record's
 * last_request_id).
 *
 * A crash of the pod loses its Runs, as a process loses its memory: the
 * commands in flight are cancelled (their replies reach nobody) and the
 * timers with them.  When the pod comes back it takes up every saga the
 * log shows unfinished and no live pod runs, from the record alone: a
 * command whose Scheduled event has no outcome is sent again with the
 * same request id and message id, so the participant answers it from
 * its store of answered messages instead of applying it twice; a retry
 * that was waiting waits out what is left of its backoff.
 *
 * With onUserLocked "wait", sagas of one user run one at a time, in start
 * order: the others wait (SagaWaiting) until the one ahead ends and lets
 * the lock go, or until lockWaitTimeout, when they end rejected.
 *
 * The HTTP side (serving /api/saga, the report) is in saga-api.c.
 */
#include "models/apps/saga-run.h"

#include "models/apps/saga-wire.h"

static void send_command (Run *run);
static void next_compensation (Run *run);
static void next_release (Run *run);
static void start_step (Run *run, int k);

void
ms_saga_run_append (Run *run, MsSagaEvent *event)
{
  MsSagaRecord *record = run->record;
  event->at = ms_sim_now (ms_cluster_sim (run->app->pod->cluster));
  gboolean ok = ms_saga_log_append (run->app->model->log, record, record->history->len, event);
  /* One writer per saga: a mismatch would be a bug, not a race. */
  g_assert (ok);
}

static const MsSagaStep *
current_step (Run *run)
{
  return run->app->model->def->steps->pdata[run->step];
}

static CallCounts *
current_counts (Run *run)
{
  SagaModel *m = run->app->model;
  return run->phase == PHASE_FORWARD ? &m->steps[run->step] : &m->compensations[run->step];
}

static void
cancel_timers (Run *run)
{
  MsSim *sim = ms_cluster_sim (run->app->pod->cluster);
  ms_sim_cancel (sim, &run->attempt_timer);
  ms_sim_cancel (sim, &run->retry_timer);
  ms_sim_cancel (sim, &run->step_timer);
  ms_sim_cancel (sim, &run->lock_timer);
}

/* Gives up the attempt in flight, if any: its reply will reach nobody. */
static void
abandon_call (Run *run)
{
  MsExchange *ex = g_steal_pointer (&run->call);
  if (ex == NULL)
    return;
  ms_exchange_cancel (ex);
  ms_exchange_unref (ex);
}

void
ms_saga_run_free (Run *run)
{
  SagaApp *app = run->app;
  app->runs = g_list_remove_link (app->runs, &run->link);
  g_hash_table_remove (app->model->runs, run->record->id);
  g_ptr_array_unref (run->waiters);
  g_free (run);
}

/* The user's lock queue (onUserLocked "wait").  The queue holds records,
 * not Runs, so that it survives a crash as the log does: it is an index
 * of the log, rebuilt from nothing but the log's order. */

static GQueue *
user_queue (SagaModel *m, const char *user)
{
  GQueue *queue = g_hash_table_lookup (m->user_queues, user);
  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (m->user_queues, g_strdup (user), queue);
    }
  return queue;
}

static void
lock_wait_expired (MsSim *sim, gpointer data)
{
  (void) sim;
  Run *run = data;
  SagaModel *m = run->app->model;
  MsSagaRecord *head = g_queue_peek_head (user_queue (m, run->record->user));
  m->lock_wait_timeouts++;
  /* Rejected as a refused lock is: the lock step fails for good, and
   * there is nothing to compensate. */
  g_autofree char *reason = g_strdup_printf ("%s was still locked by %s after %" G_GINT64_FORMAT
                                             "ms", run->record->user, head->id,
                                             m->lock_wait_timeout / 1000);
  MsSagaEvent event = { .type = MS_SAGA_EVENT_STEP_FAILED, .step = m->lock_step,
                        .final = TRUE, .detail = reason };
  ms_saga_run_append (run, &event);
  ms_saga_run_compensate (run);
}

/* Queues run behind the saga holding its user.  since is when it began
 * to wait, or -1 for now (then the wait is written down). */
static void
wait_for_lock (Run *run, MsTime since)
{
  SagaModel *m = run->app->model;
  MsSim *sim = ms_cluster_sim (run->app->pod->cluster);
  run->phase = PHASE_WAIT;
  if (since < 0)
    {
      MsSagaRecord *head = g_queue_peek_head (user_queue (m, run->record->user));
      g_autofree char *detail = g_strdup_printf ("%s is locked by %s", run->record->user,
                                                 head->id);
      MsSagaEvent event = { .type = MS_SAGA_EVENT_WAITING, .step = -1, .detail = detail };
      ms_saga_run_append (run, &event);
      m->lock_waits++;
      since = ms_sim_now (sim);
    }
  MsTime left = since + m->lock_wait_timeout - ms_sim_now (sim);
  run->lock_timer = ms_sim_schedule (sim, MAX (left, 0), lock_wait_expired, run);
}

/* The saga's first step, or its wait for the user's lock.  since: as for
 * wait_for_lock. */
static void
begin (Run *run, MsTime since)
{
  SagaModel *m = run->app->model;
  if (m->wait_for_lock && g_queue_peek_head (user_queue (m, run->record->user)) != run->record)
    wait_for_lock (run, since);
  else
    start_step (run, 0);
}

/* record's saga is over: it leaves its user's queue, and when it was at
 * the head, the next saga there starts now (if a live pod runs it; one
 * whose pod is down starts when it is taken up again). */
static void
leave_queue (SagaModel *m, MsSagaRecord *record)
{
  GQueue *queue = user_queue (m, record->user);
  gboolean was_head = g_queue_peek_head (queue) == record;
  g_queue_remove (queue, record);
  MsSagaRecord *next = g_queue_peek_head (queue);
  if (next == NULL)
    {
      g_hash_table_remove (m->user_queues, record->user);
      return;
    }
  Run *run = was_head ? g_hash_table_lookup (m->runs, next->id) : NULL;
  if (run == NULL || run->phase != PHASE_WAIT)
    return;
  ms_sim_cancel (ms_cluster_sim (run->app->pod->cluster), &run->lock_timer);
  start_step (run, 0);
}

/* Steps marked releaseAtEnd that took effect and were neither compensated
 * nor released yet. */
static guint32
release_todo (const SagaModel *m, const MsSagaRecord *record)
{
  return record->completed & m->released_at_end & ~record->compensated
         & ~record->compensation_failed & ~record->released & ~record->release_failed;
}

gboolean
ms_saga_record_ended (const SagaModel *model, const MsSagaRecord *record)
{
  return ms_saga_state_is_final (record->state) && release_todo (model, record) == 0;
}

/* The saga reached its end state: record it, then release what the saga
 * still holds (its semantic lock), then answer whoever waits. */
static void
finish (Run *run, MsSagaState state)
{
  SagaModel *m = run->app->model;
  static const MsSagaEventType types[] = {
    [MS_SAGA_COMPLETED] = MS_SAGA_EVENT_COMPLETED,
    [MS_SAGA_COMPENSATED] = MS_SAGA_EVENT_COMPENSATED,
    [MS_SAGA_FAILED] = MS_SAGA_EVENT_FAILED,
  };
  cancel_timers (run);
  MsSagaEvent event = { .type = types[state], .step = -1 };
  ms_saga_run_append (run, &event);
  MsSagaRecord *record = run->record;
  if (state == MS_SAGA_COMPLETED)
    m->completed++;
  else if (state == MS_SAGA_COMPENSATED)
    m->compensated++;
  else
    m->failed++;
  if (record->failed_step >= 0)
    m->failed_at[record->failed_step]++;
  ms_histogram_record (m->durations, record->ended_at - record->started_at);
  run->phase = PHASE_RELEASE;
  next_release (run);
}

static void
start_step (Run *run, int k)
{
  SagaModel *m = run->app->model;
  if ((guint) k == m->def->steps->len)
    {
      finish (run, MS_SAGA_COMPLETED);
      return;
    }
  run->phase = PHASE_FORWARD;
  run->step = k;
  run->attempt = 0;
  run->step_began = ms_sim_now (ms_cluster_sim (run->app->pod->cluster));
  const MsSagaStep *step = current_step (run);
  if (step->step_timeout > 0)
    run->step_timer = ms_sim_schedule (ms_cluster_sim (run->app->pod->cluster),
                                       step->step_timeout, ms_saga_run_step_timeout, run);
  send_command (run);
}

/* Compensates the highest step that is done (or ambiguous), has a
 * compensation, and was not compensated or given up on yet: reverse
 * order, exactly the steps that took effect.  Steps without a
 * compensation are skipped, as Eventuate does. */
static void
next_compensation (Run *run)
{
  SagaModel *m = run->app->model;
  MsSagaRecord *record = run->record;
  guint32 todo = (record->completed | record->ambiguous) & m->compensable
                 & ~record->compensated & ~record->compensation_failed;
  if (todo == 0)
    {
      finish (run, record->compensation_failed ? MS_SAGA_FAILED : MS_SAGA_COMPENSATED);
      return;
    }
  run->phase = PHASE_COMPENSATE;
  run->step = g_bit_nth_msf (todo, -1);
  run->attempt = 0;
  send_command (run);
}

void
ms_saga_run_compensate (Run *run)
{
  cancel_timers (run);
  next_compensation (run);
}

/* At the end, each step marked releaseAtEnd that took effect and was not
 * compensated has its compensation run once more as a release (the lock
 * of validate_user is let go on COMPLETED and FAILED too).  Then the Run
 * is done. */
static void
next_release (Run *run)
{
  SagaModel *m = run->app->model;
  MsSagaRecord *record = run->record;
  guint32 todo = release_todo (m, record);
  if (todo == 0)
    {
      /* Clients hear of the end once the locks are let go, so that a
       * client's next saga for the same user finds the user free. */
      for (guint i = 0; i < run->waiters->len; i++)
        ms_saga_api_answer (m, run->waiters->pdata[i], record, FALSE);
      ms_saga_run_free (run);
      if (m->wait_for_lock)
        leave_queue (m, record);
      return;
    }
  run->step = g_bit_nth_msf (todo, -1);
  run->attempt = 0;
  send_command (run);
}

static void
advance (Run *run)
{
  MsSim *sim = ms_cluster_sim (run->app->pod->cluster);
  switch (run->phase)
    {
    case PHASE_FORWARD:
      ms_sim_cancel (sim, &run->step_timer);
      if (run->record->compensation_requested)
        next_compensation (run);
      else
        start_step (run, run->step + 1);
      break;
    case PHASE_COMPENSATE:
      next_compensation (run);
      break;
    case PHASE_RELEASE:
      next_release (run);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The command in progress gave up for good (its final failure is written):
 * what comes next depends on the phase. */
static void
gave_up (Run *run)
{
  switch (run->phase)
    {
    case PHASE_FORWARD:
      ms_saga_run_compensate (run);
      break;
    case PHASE_COMPENSATE:
      if (run->app->model->def->continue_on_compensation_failure)
        next_compensation (run);
      else
        finish (run, MS_SAGA_FAILED);
      break;
    case PHASE_RELEASE:
      next_release (run);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
retry_fire (MsSim *sim, gpointer data)
{
  (void) sim;
  send_command (data);
}

/* One attempt ended: status 0 when no HTTP answer came (timed_out says
 * whether the attempt's own timeout fired). */
static void
outcome (Run *run, int status, gboolean timed_out)
{
  MsSagaRecord *record = run->record;
  MsSim *sim = ms_cluster_sim (run->app->pod->cluster);
  const MsSagaStep *step = current_step (run);
  gboolean forward = run->phase == PHASE_FORWARD;
  const MsSagaRetry *policy = forward ? &step->retry : &step->compensation_retry;
  CallCounts *counts = current_counts (run);
  static const MsSagaEventType done_types[] = {
    MS_SAGA_EVENT_STEP_COMPLETED, MS_SAGA_EVENT_COMPENSATION_COMPLETED, MS_SAGA_EVENT_RELEASED,
  };
  static const MsSagaEventType failed_types[] = {
    MS_SAGA_EVENT_STEP_FAILED, MS_SAGA_EVENT_COMPENSATION_FAILED, MS_SAGA_EVENT_RELEASE_FAILED,
  };

  if (status >= 200 && status < 400)
    {
      counts->ok++;
      MsSagaEvent event = { .type = done_types[run->phase], .step = run->step,
                            .attempt = run->attempt, .status = status };
      ms_saga_run_append (run, &event);
      advance (run);
      return;
    }
  /* A 4xx is the participant's decision, and asking again changes
   * nothing: business errors are never retried.  408 and 429 say "not
   * now", so they are retried like a 5xx. */
  gboolean business = status >= 400 && status < 500 && status != 408 && status != 429;
  MsTime delay = ms_saga_retry_delay (policy, run->attempt - 1);
  gboolean retry = !business && run->attempt < policy->maximum_attempts
                   && !(forward && record->compensation_requested);
  /* No retry that would start after the step's own deadline. */
  if (retry && forward && step->step_timeout > 0
      && ms_sim_now (sim) + delay >= run->step_began + step->step_timeout)
    retry = FALSE;
  g_autofree char *reason = timed_out
    ? g_strdup_printf ("%s timed out after %" G_GINT64_FORMAT "ms", step->name,
                       step->timeout / 1000)
    : status == 0 ? g_strdup_printf ("%s got no response", forward ? step->name
                                     : step->compensation_name)
    : g_strdup_printf ("%s answered %d", forward ? step->name : step->compensation_name, status);
  MsSagaEvent event = {
    .type = forward && timed_out ? MS_SAGA_EVENT_STEP_TIMED_OUT : failed_types[run->phase],
    .step = run->step, .attempt = run->attempt, .status = status, .final = !retry,
    .compensate = forward && !retry && step->ambiguous && !business,
    .detail = reason,
  };
  ms_saga_run_append (run, &event);
  if (timed_out)
    counts->timeouts++;
  if (retry)
    {
      counts->retries++;
      run->retry_timer = ms_sim_schedule (sim, delay, retry_fire, run);
      return;
    }
  counts->failed++;
  gave_up (run);
}

static void
call_done (MsExchange *ex, gpointer data)
{
  Run *run = data;
  ms_sim_cancel (ms_cluster_sim (run->app->pod->cluster), &run->attempt_timer);
  int status = ex->status;
  run->call = NULL;
  ms_exchange_unref (ex);
  outcome (run, status, FALSE);
}

static void
attempt_timeout (MsSim *sim, gpointer data)
{
  (void) sim;
  Run *run = data;
  abandon_call (run);
  outcome (run, 0, TRUE);
}

void
ms_saga_run_step_timeout (MsSim *sim, gpointer data)
{
  (void) sim;
  Run *run = data;
  const MsSagaStep *step = current_step (run);
  abandon_call (run);
  g_autofree char *reason = g_strdup_printf ("%s timed out after %" G_GINT64_FORMAT
                                             "ms in all", step->name,
                                             step->step_timeout / 1000);
  MsSagaEvent event = {
    .type = MS_SAGA_EVENT_STEP_TIMED_OUT, .step = run->step, .attempt = run->attempt,
    .final = TRUE, .compensate = step->ambiguous, .detail = reason,
  };
  ms_saga_run_append (run, &event);
  CallCounts *counts = current_counts (run);
  counts->timeouts++;
  counts->failed++;
  ms_saga_run_compensate (run);
}

/* Sends the command the record names: its last Scheduled event's request
 * id, for run's step and phase.  Called once per attempt, and again for
 * the attempt a crash interrupted. */
static void
transmit (Run *run)
{
  MsSagaRecord *record = run->record;
  MsPod *pod = run->app->pod;
  MsCluster *cluster = pod->cluster;
  MsSim *sim = ms_cluster_sim (cluster);
  const MsSagaStep *step = current_step (run);
  gboolean forward = run->phase == PHASE_FORWARD;
  const char *name = forward ? step->name : step->compensation_name;
  const MsUrl *url = forward ? &step->url : &step->compensation_url;
  const char *request_id = record->last_request_id;

  g_autofree char *message_id = g_strdup_printf ("%s/%s", record->id, name);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "message_id");
  json_builder_add_string_value (b, message_id);
  json_builder_set_member_name (b, "request_id");
  json_builder_add_string_value (b, request_id);
  json_builder_set_member_name (b, "saga_id");
  json_builder_add_string_value (b, record->id);
  json_builder_set_member_name (b, "order_id");
  json_builder_add_string_value (b, record->key);
  json_builder_set_member_name (b, "user");
  json_builder_add_string_value (b, record->user);
  json_builder_set_member_name (b, "amount");
  json_builder_add_int_value (b, record->amount);
  json_builder_set_member_name (b, "items");
  json_builder_add_int_value (b, record->items);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, FALSE);

  MsRequest *request = ms_request_new (ms_cluster_pool (cluster));
  request->method = g_intern_static_string ("POST");
  request->host = url->host;
  request->port = url->port;
  request->path = url->path;
  request->body = ms_body_new_text (text, -1);
  ms_request_set_trace_context (request, &run->trace);
  run->call = ms_exchange_new (ms_cluster_pool (cluster), request, pod, ms_sim_now (sim),
                               call_done, run);
  ms_request_unref (request);
  if (step->timeout > 0)
    run->attempt_timer = ms_sim_schedule (sim, step->timeout, attempt_timeout, run);
  ms_pod_send (pod, run->call);
}

/* Appends the Scheduled event of the next attempt, then sends it. */
static void
send_command (Run *run)
{
  const MsSagaStep *step = current_step (run);
  const char *name = run->phase == PHASE_FORWARD ? step->name : step->compensation_name;
  static const MsSagaEventType types[] = {
    MS_SAGA_EVENT_STEP_SCHEDULED, MS_SAGA_EVENT_COMPENSATION_SCHEDULED,
    MS_SAGA_EVENT_RELEASE_SCHEDULED,
  };

  run->attempt++;
  current_counts (run)->attempts++;
  g_autofree char *request_id = g_strdup_printf ("%s/%s/%d", run->record->id, name,
                                                 run->attempt);
  MsSagaEvent event = { .type = types[run->phase], .step = run->step,
                        .attempt = run->attempt, .detail = request_id };
  ms_saga_run_append (run, &event);
  transmit (run);
}

static Run *
run_new (SagaApp *app, MsSagaRecord *record, const MsTraceContext *trace)
{
  Run *run = g_new0 (Run, 1);
  run->app = app;
  run->record = record;
  run->trace = *trace;
  run->waiters = g_ptr_array_new ();
  run->link.data = run;
  app->runs = g_list_concat (&run->link, app->runs);
  g_hash_table_insert (app->model->runs, record->id, run);
  return run;
}

void
ms_saga_run_start (SagaApp *app, MsSagaRecord *record, const MsTraceContext *trace,
                   MsExchange *waiter)
{
  SagaModel *m = app->model;
  Run *run = run_new (app, record, trace);
  m->started++;
  if (waiter != NULL)
    g_ptr_array_add (run->waiters, waiter);
  if (m->wait_for_lock)
    g_queue_push_tail (user_queue (m, record->user), record);
  begin (run, -1);
}

gboolean
ms_saga_run_request_compensation (Run *run)
{
  if ((run->phase != PHASE_FORWARD && run->phase != PHASE_WAIT)
      || run->record->compensation_requested)
    return FALSE;
  MsSagaEvent event = { .type = MS_SAGA_EVENT_COMPENSATION_REQUESTED, .step = run->step,
                        .detail = "compensation requested" };
  ms_saga_run_append (run, &event);
  /* With a command in flight, its answer decides (a step that completed
   * is compensated too); between attempts, compensation starts now. */
  if (run->call == NULL)
    ms_saga_run_compensate (run);
  return TRUE;
}

/* Crash and restart. */

void
ms_saga_run_crash_all (SagaApp *app)
{
  g_autoptr (GPtrArray) waiters = g_ptr_array_new ();
  while (app->runs != NULL)
    {
      Run *run = app->runs->data;
      cancel_timers (run);
      abandon_call (run);
      for (guint i = 0; i < run->waiters->len; i++)
        g_ptr_array_add (waiters, run->waiters->pdata[i]);
      ms_saga_run_free (run);
    }
  /* The clients waiting for a saga's end lose their connection with the
   * process.  Their sagas go on after the restart; GET /api/saga/{id}, or
   * the same start again, finds them. */
  for (guint i = 0; i < waiters->len; i++)
    ms_exchange_finish (waiters->pdata[i], 0, 0, MS_RESET_CONNECTION_TERMINATION, NULL);
}

/* The last event that says where the saga's commands stand (requests,
 * resumes and waits say nothing about them), or NULL before the first. */
static const MsSagaEvent *
last_command_event (const MsSagaRecord *record)
{
  for (guint i = record->history->len; i-- > 1;)
    {
      const MsSagaEvent *e = record->history->pdata[i];
      if (e->type != MS_SAGA_EVENT_COMPENSATION_REQUESTED && e->type != MS_SAGA_EVENT_RESUMED
          && e->type != MS_SAGA_EVENT_WAITING)
        return e;
    }
  return NULL;
}

/* The latest event of type about step with attempt, or NULL. */
static const MsSagaEvent *
find_event (const MsSagaRecord *record, MsSagaEventType type, int step, int attempt)
{
  for (guint i = record->history->len; i-- > 0;)
    {
      const MsSagaEvent *e = record->history->pdata[i];
      if (e->type == type && e->step == step && e->attempt == attempt)
        return e;
    }
  return NULL;
}

/* Takes record's saga up on app's pod, from the record alone: the phase,
 * step and attempt of the last command event, and the times of the
 * events that started the step's deadline or the pending backoff.  The
 * Run may end, and be freed, before this returns. */
static void
resume (SagaApp *app, MsSagaRecord *record)
{
  SagaModel *m = app->model;
  MsSim *sim = ms_cluster_sim (app->pod->cluster);
  MsTime now = ms_sim_now (sim);
  static const MsTraceContext untraced = { 0 };
  /* The start request's trace died with the process: what is sent from
   * now on starts traces of its own. */
  Run *run = run_new (app, record, &untraced);
  const MsSagaEvent *e = last_command_event (record);
  m->resumed++;
  g_autofree char *detail = g_strdup_printf ("taken up by %s after a crash", app->pod->name);
  MsSagaEvent resumed = { .type = MS_SAGA_EVENT_RESUMED, .step = -1, .detail = detail };
  ms_saga_run_append (run, &resumed);
  if (e == NULL)
    {
      const MsSagaEvent *waiting = find_event (record, MS_SAGA_EVENT_WAITING, -1, 0);
      begin (run, waiting ? waiting->at : -1);
      return;
    }

  gboolean scheduled = FALSE;
  run->step = e->step;
  run->attempt = e->attempt;
  switch (e->type)
    {
    case MS_SAGA_EVENT_STEP_SCHEDULED:
      scheduled = TRUE;
      /* fall through */
    case MS_SAGA_EVENT_STEP_COMPLETED:
    case MS_SAGA_EVENT_STEP_FAILED:
    case MS_SAGA_EVENT_STEP_TIMED_OUT:
      run->phase = PHASE_FORWARD;
      break;
    case MS_SAGA_EVENT_COMPENSATION_SCHEDULED:
      scheduled = TRUE;
      /* fall through */
    case MS_SAGA_EVENT_COMPENSATION_COMPLETED:
    case MS_SAGA_EVENT_COMPENSATION_FAILED:
      run->phase = PHASE_COMPENSATE;
      break;
    case MS_SAGA_EVENT_RELEASE_SCHEDULED:
      scheduled = TRUE;
      /* fall through */
    default:
      run->phase = PHASE_RELEASE;
      break;
    }
  gboolean failure = e->type == MS_SAGA_EVENT_STEP_FAILED
                     || e->type == MS_SAGA_EVENT_STEP_TIMED_OUT
                     || e->type == MS_SAGA_EVENT_COMPENSATION_FAILED
                     || e->type == MS_SAGA_EVENT_RELEASE_FAILED;
  gboolean retry_pending = failure && !e->final;

  if (run->phase == PHASE_FORWARD && (scheduled || retry_pending))
    {
      /* The step's deadline still counts from its first attempt. */
      const MsSagaEvent *first = find_event (record, MS_SAGA_EVENT_STEP_SCHEDULED, e->step, 1);
      const MsSagaStep *step = current_step (run);
      run->step_began = first ? first->at : now;
      if (step->step_timeout > 0)
        {
          MsTime left = run->step_began + step->step_timeout - now;
          run->step_timer = ms_sim_schedule (sim, MAX (left, 0), ms_saga_run_step_timeout, run);
          if (left <= 0)
            return;
        }
    }
  if (scheduled)
    {
      /* The same request id, hence the same message id: a participant that
       * applied it before the crash answers from its store. */
      transmit (run);
      return;
    }
  if (retry_pending)
    {
      const MsSagaStep *step = current_step (run);
      const MsSagaRetry *policy = run->phase == PHASE_FORWARD ? &step->retry
                                  : &step->compensation_retry;
      MsTime left = e->at + ms_saga_retry_delay (policy, e->attempt - 1) - now;
      run->retry_timer = ms_sim_schedule (sim, MAX (left, 0), retry_fire, run);
      return;
    }
  /* An outcome was written and the decision after it was not (the two
   * are one event of the simulation today, so this is for robustness):
   * take the decision now.  After a saga's end event, advancing in the
   * release phase lets the locks go. */
  if (failure)
    gave_up (run);
  else
    advance (run);
}

void
ms_saga_run_resume_all (SagaApp *app)
{
  SagaModel *m = app->model;
  const GPtrArray *records = ms_saga_log_records (m->log);
  /* A saga written in ASL (saga-asl.c) leaves the step list empty, and its
   * execution is not in this log's events: there is nothing here to
   * resume it from. */
  if (m->def->steps->len == 0)
    return;
  /* O(sagas in the log) per restart; taking a saga up starts none. */
  for (guint i = 0; i < records->len; i++)
    {
      MsSagaRecord *record = records->pdata[i];
      if (!ms_saga_record_ended (m, record) && !g_hash_table_contains (m->runs, record->id))
        resume (app, record);
    }
}
