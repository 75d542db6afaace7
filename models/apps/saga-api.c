/* models/apps/saga-api.c - the orchestrator's options, HTTP API and report.
 *
 * Requests are served after one draw of `latency`, with no concurrency
 * limit: the orchestrator's cost is in the sagas it runs, which wait on
 * their participants, not on the orchestrator's threads.  The answer to a
 * start request waits for the saga's end (or is 202 at once with
 * "async": true), like a synchronous Step Functions execution.
 */
#include "models/apps/saga-run.h"

#include "models/apps/domain.h"
#include "models/apps/pattern.h"
#include "models/apps/saga-wire.h"
#include "sim/io/read.h"

#include <string.h>

static MsModel *
saga_parse (const MsNode *node, GError **error)
{
  static const char *const fields[] = {
    "model", "latency", "saga", "definition", "async", "onDuplicateStart", "onUserLocked",
    "lockWaitTimeout", "users", "amount", NULL,
  };
  static const char *const on_duplicate[] = { "use-existing", "reject", NULL };
  static const char *const on_locked[] = { "reject", "wait", NULL };
  SagaModel *m = g_new0 (SagaModel, 1);
  m->base.klass = &ms_saga_orchestrator_model_class;
  m->base.node = node;
  m->latency = ms_dist_fixed (MS_MSEC (1));
  m->users = 100;
  m->amount = 100;
  m->log = ms_saga_log_new ();
  m->runs = g_hash_table_new (g_str_hash, g_str_equal);
  m->durations = ms_histogram_new ();
  m->lock_step = -1;
  m->lock_wait_timeout = MS_SEC (10);
  g_autoptr (MsModel) guard = (MsModel *) m;
  const MsNode *saga = NULL;
  int duplicate = 0, locked = 0;
  if (node != NULL
      && (!ms_read_object (node, fields, error)
          || !ms_read_dist (node, "latency", FALSE, &m->latency, error)
          || !ms_read_child (node, "saga", MS_NODE_OBJECT, FALSE, &saga, error)
          || !ms_read_bool (node, "async", FALSE, &m->async, error)
          || !ms_read_choice (node, "onDuplicateStart", FALSE, on_duplicate, &duplicate, error)
          || !ms_read_choice (node, "onUserLocked", FALSE, on_locked, &locked, error)
          || !ms_read_duration (node, "lockWaitTimeout", FALSE, &m->lock_wait_timeout, error)
          || !ms_read_int (node, "users", FALSE, 1, 1000000, &m->users, error)
          || !ms_read_int (node, "amount", FALSE, 0, G_MAXINT32, &m->amount, error)))
    return NULL;
  m->reject_duplicates = duplicate == 1;
  /* An ASL definition replaces the step list (saga-asl.c). */
  const MsNode *definition = node ? ms_node_get (node, "definition") : NULL;
  m->def = definition ? ms_saga_asl_parse (m, saga, definition, error)
           : ms_saga_definition_parse (saga, error);
  if (m->def == NULL)
    return NULL;
  guint n = m->def->steps->len;
  m->steps = g_new0 (CallCounts, n);
  m->compensations = g_new0 (CallCounts, n);
  for (guint i = 0; i < n; i++)
    {
      MsSagaStep *step = m->def->steps->pdata[i];
      if (step->compensation_name != NULL)
        m->compensable |= 1u << i;
      if (step->release_at_end)
        m->released_at_end |= 1u << i;
      if (step->release_at_end && m->lock_step < 0)
        m->lock_step = (int) i;
    }
  /* Waiting is for a lock, and the lock is what a releaseAtEnd step
   * takes; a timeout without the wait would be silently unused. */
  m->wait_for_lock = locked == 1;
  const MsNode *timeout = node ? ms_node_get (node, "lockWaitTimeout") : NULL;
  if (timeout != NULL && !m->wait_for_lock)
    {
      ms_read_fail (error, timeout, MS_SCENARIO_ERROR_VALUE,
                    "lockWaitTimeout applies only with \"onUserLocked\": \"wait\"; "
                    "add that, or remove lockWaitTimeout");
      return NULL;
    }
  if (m->wait_for_lock && m->lock_step < 0)
    {
      ms_read_fail (error, ms_node_get (node, "onUserLocked"), MS_SCENARIO_ERROR_VALUE,
                    "\"onUserLocked\": \"wait\" needs a step with \"releaseAtEnd\": true "
                    "(the step that takes the user's lock); this saga has none");
      return NULL;
    }
  if (m->wait_for_lock && m->lock_wait_timeout <= 0)
    {
      ms_read_fail (error, timeout, MS_SCENARIO_ERROR_VALUE,
                    "lockWaitTimeout must be more than 0s");
      return NULL;
    }
  if (m->wait_for_lock)
    m->user_queues = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_queue_free);
  return g_steal_pointer (&guard);
}

static gboolean
saga_bind (MsModel *model, MsCluster *cluster, MsDeployment *deployment, GError **error)
{
  SagaModel *m = (SagaModel *) model;
  const MsNode *where = model->node ? ms_node_get (model->node, "model") : NULL;
  m->cluster = cluster;
  m->namespace_ = deployment->namespace_;
  return ms_saga_definition_bind (m->def, cluster, deployment->namespace_, where, error)
         && (m->asl == NULL || ms_saga_asl_bind (m, cluster, deployment->namespace_, error));
}

static void
saga_model_free (MsModel *model)
{
  SagaModel *m = (SagaModel *) model;
  /* Runs belong to the apps, which are freed first. */
  g_hash_table_unref (m->runs);
  g_clear_pointer (&m->user_queues, g_hash_table_unref);
  ms_saga_log_free (m->log);
  ms_saga_definition_free (m->def);
  ms_saga_asl_free (m->asl);
  ms_histogram_free (m->durations);
  g_free (m->steps);
  g_free (m->compensations);
  g_free (m);
}

/* Answers. */

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static const char *
step_status (const MsSagaRecord *r, int k)
{
  guint32 bit = 1u << k;
  if (r->compensated & bit)
    return "COMPENSATED";
  if (r->compensation_failed & bit)
    return "COMPENSATION_FAILED";
  if (r->completed & bit)
    return "COMPLETED";
  if (r->failed_step == k)
    return "FAILED";
  if (r->step == k && r->state == MS_SAGA_RUNNING)
    return "RUNNING";
  return "PENDING";
}

static void
write_record (SagaModel *m, JsonBuilder *b, const MsSagaRecord *r, gboolean with_history)
{
  const GPtrArray *steps = m->def->steps;
  add_string (b, "saga_id", r->id);
  add_string (b, "saga", m->def->name);
  add_string (b, "order_id", r->key);
  add_string (b, "user", r->user);
  add_string (b, "status", ms_saga_state_name (r->state));
  add_string (b, "current_step", r->step >= 0 && !ms_saga_state_is_final (r->state)
              ? ((MsSagaStep *) steps->pdata[r->step])->name : NULL);
  add_string (b, "failed_step", r->failed_step >= 0
              ? ((MsSagaStep *) steps->pdata[r->failed_step])->name : NULL);
  add_string (b, "failure", r->failure);
  add_string (b, "last_request_id", r->last_request_id);
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint k = 0; k < steps->len; k++)
    {
      json_builder_begin_object (b);
      add_string (b, "name", ((MsSagaStep *) steps->pdata[k])->name);
      add_string (b, "status", step_status (r, (int) k));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  /* Compensations in the order they ran, from the history. */
  json_builder_set_member_name (b, "compensation_steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->history->len; i++)
    {
      const MsSagaEvent *e = r->history->pdata[i];
      if (e->type != MS_SAGA_EVENT_COMPENSATION_COMPLETED
          && !(e->type == MS_SAGA_EVENT_COMPENSATION_FAILED && e->final))
        continue;
      json_builder_begin_object (b);
      add_string (b, "name", ((MsSagaStep *) steps->pdata[e->step])->compensation_name);
      add_string (b, "status", e->type == MS_SAGA_EVENT_COMPENSATION_COMPLETED ? "COMPLETED"
                  : "FAILED");
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  if (!with_history)
    return;
  json_builder_set_member_name (b, "history");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->history->len; i++)
    {
      const MsSagaEvent *e = r->history->pdata[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, e->version);
      add_string (b, "type", ms_saga_event_type_name (e->type));
      json_builder_set_member_name (b, "at_ms");
      json_builder_add_double_value (b, (double) e->at / 1000.0);
      if (e->step >= 0)
        add_string (b, "step", ((MsSagaStep *) steps->pdata[e->step])->name);
      if (e->attempt > 0)
        {
          json_builder_set_member_name (b, "attempt");
          json_builder_add_int_value (b, e->attempt);
        }
      if (e->status > 0)
        {
          json_builder_set_member_name (b, "http_status");
          json_builder_add_int_value (b, e->status);
        }
      if (e->detail != NULL)
        add_string (b, "detail", e->detail);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

void
ms_saga_api_answer (SagaModel *m, MsExchange *ex, const MsSagaRecord *record,
                    gboolean with_history)
{
  static const int codes[] = {
    [MS_SAGA_COMPLETED] = 200, [MS_SAGA_COMPENSATED] = 409, [MS_SAGA_FAILED] = 500,
  };
  if (m->asl != NULL)
    {
      ms_saga_asl_answer (m, ex, record, with_history);
      return;
    }
  int status = with_history ? 200 : ms_saga_state_is_final (record->state)
               ? codes[record->state] : 202;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  write_record (m, b, record, with_history);
  json_builder_end_object (b);
  ms_saga_wire_reply (ex, status, b);
}

/* Serving. */

static void
start (SagaApp *app, MsExchange *ex)
{
  SagaModel *m = app->model;
  g_autoptr (JsonObject) body = ms_saga_wire_read (ex->request);
  const char *key = ms_saga_wire_string (body, "order_id");
  MsSagaRecord *existing = key ? ms_saga_log_find_key (m->log, key) : NULL;
  if (existing != NULL)
    {
      /* Idempotent start (reference 7.6): the saga of this order, not a
       * second one. */
      m->duplicate_starts++;
      Run *run = g_hash_table_lookup (m->runs, existing->id);
      if (m->reject_duplicates)
        ms_saga_wire_reply_error (ex, 409, "duplicate_start", existing->id);
      else if (run != NULL && !m->async && !ms_saga_state_is_final (existing->state))
        g_ptr_array_add (run->waiters, ex);
      else
        ms_saga_api_answer (m, ex, existing, FALSE);
      return;
    }
  guint n = ms_saga_log_records (m->log)->len + 1;
  g_autofree char *default_key = g_strdup_printf ("order-%u", n);
  g_autofree char *default_user = g_strdup_printf ("user-%" G_GINT64_FORMAT,
                                                   (gint64) (n - 1) % m->users + 1);
  const char *user = ms_saga_wire_string (body, "user");
  gint64 amount = m->amount, items = 1;
  ms_saga_wire_int (body, "amount", &amount);
  ms_saga_wire_int (body, "items", &items);
  MsSagaRecord *record = ms_saga_log_start (m->log, key ? key : default_key,
                                            user ? user : default_user, amount, items,
                                            ms_sim_now (ms_cluster_sim (app->pod->cluster)));
  MsTraceContext trace = ms_request_trace_context (ex->request);
  if (m->async)
    ms_saga_api_answer (m, ex, record, FALSE);
  if (m->asl != NULL)
    ms_saga_asl_start (app, record, &trace, m->async ? NULL : ex);
  else
    ms_saga_run_start (app, record, &trace, m->async ? NULL : ex);
}

static Run *
most_recent_running (SagaModel *m)
{
  const GPtrArray *records = ms_saga_log_records (m->log);
  for (guint i = records->len; i-- > 0;)
    {
      MsSagaRecord *r = records->pdata[i];
      Run *run = g_hash_table_lookup (m->runs, r->id);
      if (run != NULL && run->phase == PHASE_FORWARD && !r->compensation_requested)
        return run;
    }
  return NULL;
}

static void
compensate (SagaModel *m, MsExchange *ex, const char *id)
{
  MsSagaRecord *record = id ? ms_saga_log_find (m->log, id) : NULL;
  if (id != NULL && record == NULL)
    {
      ms_saga_wire_reply_error (ex, 404, "saga_not_found", id);
      return;
    }
  Run *run = id ? g_hash_table_lookup (m->runs, id) : most_recent_running (m);
  if (run == NULL && id == NULL)
    {
      ms_saga_wire_reply_error (ex, 404, "no_running_saga",
                                "no saga is running, so there is nothing to compensate");
      return;
    }
  if (run != NULL)
    record = run->record;
  /* The run may end, and be freed, inside the request (nothing was in
   * flight and nothing is left to compensate); the record outlives it. */
  if (run == NULL || !ms_saga_run_request_compensation (run))
    {
      ms_saga_wire_reply_error (ex, 409, "saga_not_running", ms_saga_state_name (record->state));
      return;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_string (b, "message", id ? "compensating this saga"
              : "compensating the most recent running saga");
  write_record (m, b, record, FALSE);
  json_builder_end_object (b);
  ms_saga_wire_reply (ex, 202, b);
}

static void
serve (MsApp *base, MsExchange *ex)
{
  SagaApp *app = (SagaApp *) base;
  SagaModel *m = app->model;
  g_autofree char *path = ms_pattern_path (ex->request);
  const char *prefix = "/api/saga/";
  /* Taken before the pod crashed, due after: the process that took it is
   * gone, and so is the connection. */
  if (ms_pod_crashed (app->pod))
    ms_exchange_finish (ex, 0, 0, MS_RESET_CONNECTION_TERMINATION, NULL);
  else if (g_str_equal (path, "/health"))
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      add_string (b, "service", "saga-orchestrator");
      add_string (b, "status", "healthy");
      json_builder_end_object (b);
      ms_saga_wire_reply (ex, 200, b);
    }
  else if (g_str_equal (path, "/api/saga/start"))
    start (app, ex);
  else if (g_str_equal (path, "/api/saga/compensate"))
    compensate (m, ex, NULL);
  else if (g_str_equal (path, "/api/saga"))
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      const char *keys[] = { "started", "completed", "compensated", "failed", "in_flight" };
      guint64 values[] = { m->started, m->completed, m->compensated, m->failed,
                           m->started - m->completed - m->compensated - m->failed };
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          json_builder_set_member_name (b, keys[i]);
          json_builder_add_int_value (b, (gint64) values[i]);
        }
      json_builder_end_object (b);
      ms_saga_wire_reply (ex, 200, b);
    }
  else if (g_str_has_prefix (path, prefix) && g_str_has_suffix (path, "/compensate"))
    {
      g_autofree char *id = g_strndup (path + strlen (prefix),
                                       strlen (path) - strlen (prefix) - strlen ("/compensate"));
      compensate (m, ex, id);
    }
  else if (g_str_has_prefix (path, prefix))
    {
      MsSagaRecord *record = ms_saga_log_find (m->log, path + strlen (prefix));
      if (record == NULL)
        ms_saga_wire_reply_error (ex, 404, "saga_not_found", path + strlen (prefix));
      else
        ms_saga_api_answer (m, ex, record, TRUE);
    }
  else
    ms_saga_wire_reply_error (ex, 404, "not_found", path);
}

static void
saga_handle (MsApp *base, MsPod *pod, MsExchange *ex)
{
  SagaApp *app = (SagaApp *) base;
  ms_pattern_serve_after (base, pod, &app->model->latency, ex, serve);
}

static void
saga_app_free (MsApp *base)
{
  SagaApp *app = (SagaApp *) base;
  /* Sagas still running when the run ended: their exchanges stay with the
   * cluster's pool, freed after the apps, and their timers with the
   * simulation. */
  while (app->runs != NULL)
    ms_saga_run_free (app->runs->data);
  g_free (app);
}

static MsApp *
saga_new_app (MsModel *model, MsPod *pod)
{
  SagaApp *app = g_new0 (SagaApp, 1);
  app->base.handle = saga_handle;
  app->base.free = saga_app_free;
  app->model = (SagaModel *) model;
  app->pod = pod;
  return &app->base;
}

static void
report_calls (MsReportNode *calls, const char *name, const CallCounts *c)
{
  MsReportNode *node = ms_report_object (calls, name);
  ms_report_add_int (node, "ok", (gint64) c->ok);
  ms_report_add_int (node, "failed", (gint64) c->failed);
  ms_report_add_int (node, "attempts", (gint64) c->attempts);
  ms_report_add_int (node, "retries", (gint64) c->retries);
  ms_report_add_int (node, "timeouts", (gint64) c->timeouts);
}

static void
saga_report (MsModel *model, MsReport *report, MsReportNode *workload)
{
  (void) report;
  SagaModel *m = (SagaModel *) model;
  ms_report_set_string (workload, "model", "saga-orchestrator");
  MsSagaCounts counts = { 0 };
  ms_saga_orchestrator_counts (model, &counts);
  MsReportNode *sagas = ms_report_object (workload, "sagas");
  ms_report_set_int (sagas, "started", (gint64) counts.started);
  ms_report_set_int (sagas, "completed", (gint64) counts.completed);
  ms_report_set_int (sagas, "compensated", (gint64) counts.compensated);
  ms_report_set_int (sagas, "failed", (gint64) counts.failed);
  ms_report_set_int (sagas, "in_flight", (gint64) counts.in_flight);
  ms_report_set_int (sagas, "duplicate_starts", (gint64) m->duplicate_starts);
  ms_report_set_int (sagas, "resumed", (gint64) m->resumed);
  ms_report_set_int (sagas, "lock_waits", (gint64) m->lock_waits);
  ms_report_set_int (sagas, "lock_wait_timeouts", (gint64) m->lock_wait_timeouts);
  MsReportNode *latency = ms_report_object (sagas, "latency_ms");
  ms_report_set_double (latency, "mean", ms_histogram_mean (m->durations) / 1000.0);
  ms_report_set_double (latency, "p50", ms_histogram_quantile (m->durations, 0.50) / 1000.0);
  ms_report_set_double (latency, "p90", ms_histogram_quantile (m->durations, 0.90) / 1000.0);
  ms_report_set_double (latency, "p99", ms_histogram_quantile (m->durations, 0.99) / 1000.0);
  ms_report_set_double (latency, "max", ms_histogram_max (m->durations) / 1000.0);
  MsReportNode *failed_at = ms_report_object (sagas, "failed_step");
  MsReportNode *calls = ms_report_object (workload, "calls");
  for (guint k = 0; k < m->def->steps->len; k++)
    {
      MsSagaStep *step = m->def->steps->pdata[k];
      ms_report_set_int (failed_at, step->name, (gint64) m->failed_at[k]);
      report_calls (calls, step->name, &m->steps[k]);
    }
  for (guint k = m->def->steps->len; k-- > 0;)
    {
      MsSagaStep *step = m->def->steps->pdata[k];
      if (step->compensation_name != NULL)
        report_calls (calls, step->compensation_name, &m->compensations[k]);
    }
  if (m->asl != NULL)
    ms_saga_asl_report (m, calls, workload);
}

gboolean
ms_saga_orchestrator_counts (const MsModel *model, MsSagaCounts *counts)
{
  g_return_val_if_fail (model != NULL && counts != NULL, FALSE);
  if (model->klass != &ms_saga_orchestrator_model_class)
    return FALSE;
  const SagaModel *m = (const SagaModel *) model;
  counts->started += m->started;
  counts->completed += m->completed;
  counts->compensated += m->compensated;
  counts->failed += m->failed;
  counts->in_flight += m->started - m->completed - m->compensated - m->failed;
  return TRUE;
}

MsSagaLog *
ms_saga_orchestrator_log (const MsModel *model)
{
  g_return_val_if_fail (model != NULL && model->klass == &ms_saga_orchestrator_model_class,
                        NULL);
  return ((const SagaModel *) model)->log;
}

const MsSagaDefinition *
ms_saga_orchestrator_definition (const MsModel *model)
{
  g_return_val_if_fail (model != NULL && model->klass == &ms_saga_orchestrator_model_class,
                        NULL);
  return ((const SagaModel *) model)->def;
}

/* End-of-run invariants (issue 6, item 5). */

/* A user, order or payment model behind a Service that the saga calls. */
typedef struct {
  MsModel *model;
  const char *name;            /* its Deployment's, for the problems' text */
  gboolean approved;           /* an order model whose approve endpoint the saga calls */
} Participant;

/* Adds the user, order and payment models of the pods behind url's
 * Service to participants, once each. */
static void
add_participants (SagaModel *m, const MsUrl *url, GArray *participants)
{
  MsService *service = ms_cluster_resolve (m->cluster, url->host, m->namespace_);
  for (guint i = 0; service != NULL && i < service->endpoints->len; i++)
    {
      MsPod *pod = service->endpoints->pdata[i];
      MsModel *model = pod->deployment ? pod->deployment->model : NULL;
      if (model == NULL || (model->klass != &ms_user_model_class
                            && model->klass != &ms_order_model_class
                            && model->klass != &ms_payment_model_class))
        continue;
      Participant *p = NULL;
      for (guint k = 0; k < participants->len && p == NULL; k++)
        if (g_array_index (participants, Participant, k).model == model)
          p = &g_array_index (participants, Participant, k);
      if (p == NULL)
        {
          Participant added = { model, pod->deployment->name, FALSE };
          g_array_append_val (participants, added);
          p = &g_array_index (participants, Participant, participants->len - 1);
        }
      p->approved |= model->klass == &ms_order_model_class
                     && g_str_has_prefix (url->path, "/api/orders/approve");
    }
}

/* The participants that the saga's steps and compensations reach, or for
 * an ASL saga its Tasks' Resources.  A saga whose participants are other
 * models is checked for what it reaches. */
static GArray *
find_participants (SagaModel *m)
{
  GArray *participants = g_array_new (FALSE, TRUE, sizeof (Participant));
  g_autoptr (GPtrArray) urls = g_ptr_array_new ();
  if (m->asl != NULL)
    ms_saga_asl_resources (m, urls);
  for (guint k = 0; k < m->def->steps->len; k++)
    {
      const MsSagaStep *step = m->def->steps->pdata[k];
      g_ptr_array_add (urls, (gpointer) &step->url);
      if (step->compensation_name != NULL)
        g_ptr_array_add (urls, (gpointer) &step->compensation_url);
    }
  for (guint i = 0; i < urls->len; i++)
    add_participants (m, urls->pdata[i], participants);
  return participants;
}

/* What one participant shows of record r that breaks an invariant,
 * appended to found as ", "-separated clauses. */
static void
check_participant (const Participant *p, const MsSagaRecord *r, GString *found)
{
  const char *sep = found->len ? ", " : "";
  if (p->model->klass == &ms_user_model_class)
    {
      const char *holder = ms_user_locked_by (p->model, r->user);
      if (holder != NULL && g_str_equal (holder, r->id))
        g_string_append_printf (found, "%sit still holds the lock on %s", sep, r->user);
      return;
    }
  const char *row = ms_domain_row_status (p->model, r->key);
  if (p->model->klass == &ms_payment_model_class)
    {
      if (r->state == MS_SAGA_COMPLETED && g_strcmp0 (row, "CHARGED") != 0)
        g_string_append_printf (found, "%sits payment in %s is %s", sep, p->name,
                                row ? row : "missing");
      if (r->state == MS_SAGA_COMPENSATED && g_strcmp0 (row, "CHARGED") == 0)
        g_string_append_printf (found, "%sits payment in %s is still CHARGED", sep, p->name);
      return;
    }
  /* A saga that completes without approving its order (a reservation in
   * the travel saga) leaves it PENDING on purpose. */
  gboolean pending_ok = r->state == MS_SAGA_COMPLETED && !p->approved;
  if ((g_strcmp0 (row, "PENDING") == 0 && !pending_ok)
      || (r->state == MS_SAGA_COMPENSATED && row && !g_str_equal (row, "CANCELLED")))
    g_string_append_printf (found, "%sits order in %s is %s", sep, p->name, row);
}

/* At most this many problems are spelled out; the rest are counted. */
#define MAX_PROBLEMS 5

/* For every saga that has ended: a COMPLETED one's order is charged (once:
 * a payment row per order), a COMPENSATED one's is not charged and its
 * order, if created, is cancelled, no order is left PENDING (unless the
 * saga never approves it and completed), and the saga holds no lock.
 * FAILED sagas need a human, but a PENDING order or a held lock is still
 * reported: that is what the human must fix.  ASL sagas are checked the
 * same way against the participants their Tasks call, so a definition
 * whose Catch chain forgets the unlock fails the run. */
static gboolean
saga_verify (MsModel *model, GString *problems)
{
  SagaModel *m = (SagaModel *) model;
  g_autoptr (GArray) participants = find_participants (m);
  const GPtrArray *records = ms_saga_log_records (m->log);
  guint broken = 0;
  for (guint i = 0; i < records->len; i++)
    {
      const MsSagaRecord *r = records->pdata[i];
      if (!ms_saga_record_ended (m, r))
        continue;
      g_autoptr (GString) found = g_string_new (NULL);
      for (guint k = 0; k < participants->len; k++)
        check_participant (&g_array_index (participants, Participant, k), r, found);
      if (found->len == 0)
        continue;
      if (++broken <= MAX_PROBLEMS)
        g_string_append_printf (problems, "%s (order %s) ended %s but %s. ", r->id, r->key,
                                ms_saga_state_name (r->state), found->str);
    }
  if (broken > MAX_PROBLEMS)
    g_string_append_printf (problems, "And %u more sagas like these. ", broken - MAX_PROBLEMS);
  return broken == 0;
}

static void
saga_crash (MsModel *model, MsPod *pod)
{
  if (((SagaModel *) model)->asl != NULL)
    ms_saga_asl_crash ((SagaModel *) model, (SagaApp *) pod->app);
  else
    ms_saga_run_crash_all ((SagaApp *) pod->app);
}

static void
saga_restart (MsModel *model, MsPod *pod)
{
  if (((SagaModel *) model)->asl != NULL)
    ms_saga_asl_restart ((SagaModel *) model, (SagaApp *) pod->app);
  else
    ms_saga_run_resume_all ((SagaApp *) pod->app);
}

const MsModelClass ms_saga_orchestrator_model_class = {
  .name = "saga-orchestrator",
  .parse = saga_parse,
  .bind = saga_bind,
  .new_app = saga_new_app,
  .report = saga_report,
  .verify = saga_verify,
  .verified = "left every saga's money, orders and locks consistent",
  .crash = saga_crash,
  .restart = saga_restart,
  .free = saga_model_free,
};
