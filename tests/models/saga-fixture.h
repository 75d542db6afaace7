/* tests/models/saga-fixture.h - the saga tests' scenario pieces and their
 * readers of saga records, shared by test-saga.c and test-saga-crash.c.
 *
 * Header-only, as testutil.h is.  Scenarios use fixed latencies (1 ms per
 * hop, 1 ms of service), so times in the sagas' histories are exact.
 */
#pragma once

#include "tests/testutil.h"

#include "models/apps/domain.h"
#include "models/apps/saga.h"

#define NET "\"network\":{\"latency\":\"1ms\"},"

#define RESOURCES                                                                  \
  "\"resources\":[" TEST_APP ("user-service", 1) "," TEST_APP ("order-service", 1)  \
  "," TEST_APP ("payment-service", 1) "," TEST_APP ("saga-orchestrator", 1) ","    \
  TEST_APP ("client", 1) "," TEST_APP ("broken", 1) "],"

/* The four saga workloads; payment and saga take extra options. */
#define WORKLOADS(payment, saga)                                                   \
  "\"workloads\":{\"user-service\":{\"model\":\"user\"},"                          \
  "\"order-service\":{\"model\":\"order\",\"maxAmount\":1000},"                    \
  "\"payment-service\":{\"model\":\"payment\"" payment "},"                        \
  "\"broken\":{\"routes\":[{\"response\":{\"status\":503}}]},"                    \
  "\"saga-orchestrator\":{\"model\":\"saga-orchestrator\"" saga "}},"

#define START(name, body, n)                                                       \
  "{\"name\":\"" name "\",\"from\":\"client\",\"request\":{\"method\":\"POST\","   \
  "\"url\":\"http://saga-orchestrator/api/saga/start\",\"body\":" body "},"        \
  "\"requests\":" #n "}"

static inline MsSagaLog *
saga_log (const TestRun *run)
{
  MsDeployment *d = ms_cluster_find_deployment (ms_world_cluster (run->world),
                                                "saga-orchestrator");
  return ms_saga_orchestrator_log (d->model);
}

static inline const MsSagaRecord *
saga_record (const TestRun *run, guint i)
{
  const GPtrArray *records = ms_saga_log_records (saga_log (run));
  g_assert_cmpuint (i, <, records->len);
  return records->pdata[i];
}

/* The names of the compensations a saga ran, in order, as "a,b,c". */
static inline char *
compensation_trace (const TestRun *run, const MsSagaRecord *record)
{
  MsDeployment *d = ms_cluster_find_deployment (ms_world_cluster (run->world),
                                                "saga-orchestrator");
  const MsSagaDefinition *def = ms_saga_orchestrator_definition (d->model);
  GString *trace = g_string_new (NULL);
  for (guint i = 0; i < record->history->len; i++)
    {
      const MsSagaEvent *e = record->history->pdata[i];
      if (e->type != MS_SAGA_EVENT_COMPENSATION_SCHEDULED || e->attempt != 1)
        continue;
      const MsSagaStep *step = def->steps->pdata[e->step];
      g_string_append_printf (trace, "%s%s", trace->len ? "," : "", step->compensation_name);
    }
  return g_string_free (trace, FALSE);
}

/* How many events of type (about step, or any step with -1) the saga has. */
static inline guint
count_events (const MsSagaRecord *record, MsSagaEventType type, int step)
{
  guint n = 0;
  for (guint i = 0; i < record->history->len; i++)
    {
      const MsSagaEvent *e = record->history->pdata[i];
      n += e->type == type && (step < 0 || e->step == step);
    }
  return n;
}

static inline const char *
find_event_at (const MsSagaRecord *record, MsSagaEventType type, int step, MsTime *at)
{
  for (guint i = 0; i < record->history->len; i++)
    {
      const MsSagaEvent *e = record->history->pdata[i];
      if (e->type == type && (step < 0 || e->step == step))
        {
          *at = e->at;
          return e->detail ? e->detail : "";
        }
    }
  *at = -1;
  return NULL;
}

/* When the first event of type about step happened; -1 if none did. */
static inline MsTime
event_time (const MsSagaRecord *record, MsSagaEventType type, int step)
{
  MsTime at;
  find_event_at (record, type, step, &at);
  return at;
}

/* Asserts that the first event of type about step happened at, with
 * detail. */
static inline void
assert_event (const MsSagaRecord *record, MsSagaEventType type, int step, MsTime at,
              const char *detail)
{
  MsTime when;
  g_assert_cmpstr (find_event_at (record, type, step, &when), ==, detail);
  g_assert_cmpint (when, ==, at);
}

static inline MsModel *
workload_model (const TestRun *run, const char *name)
{
  return ms_cluster_find_deployment (ms_world_cluster (run->world), name)->model;
}

static inline void
keep_answer (MsExchange *exchange, gpointer data)
{
  GString *text = data;
  g_string_printf (text, "%d ", exchange->status);
  if (exchange->body != NULL)
    ms_body_write (exchange->body, text);
}

/* After the run: GET path from the Service saga-orchestrator, sent by
 * the pod "client" through its sidecar, and the answer as "<status>
 * <body>".  The simulation runs on for at most a second to carry it. */
static inline char *
saga_api_get (TestRun *run, const char *path)
{
  g_autoptr (GError) error = NULL;
  MsPod *from = ms_world_source (run->world, "client", &error);
  g_assert_no_error (error);
  MsCluster *cluster = ms_world_cluster (run->world);
  MsSim *sim = ms_world_sim (run->world);
  GString *text = g_string_new (NULL);
  MsRequest *request = ms_request_new (ms_cluster_pool (cluster));
  request->method = g_intern_static_string ("GET");
  request->host = g_intern_static_string ("saga-orchestrator");
  request->path = g_intern_string (path);
  MsExchange *ex = ms_exchange_new (ms_cluster_pool (cluster), request, from, ms_sim_now (sim),
                                    keep_answer, text);
  ms_request_unref (request);
  ms_pod_send (from, ex);
  ms_sim_run_until (sim, ms_sim_now (sim) + MS_SEC (1));
  g_assert_cmpuint (text->len, >, 0);
  ms_exchange_unref (ex);
  return g_string_free (text, FALSE);
}

/* The lock wait: saga a holds user-1 from 2 ms; the payment service takes
 * 50 ms, so a ends at 63 ms and its release is written at 66 ms.  Saga b,
 * for the same user, is taken at 22 ms. */
#define LOCK_WAIT(options)                                                         \
  "{" NET RESOURCES WORKLOADS (",\"latency\":\"50ms\"", options)                   \
  "\"traffic\":[" START ("a", "{\"user\":\"user-1\"}", 1) ","                      \
  "{\"name\":\"b\",\"from\":\"client\",\"request\":{\"method\":\"POST\","          \
  "\"url\":\"http://saga-orchestrator/api/saga/start\",\"body\":{\"user\":\"user-1\"}}," \
  "\"start\":\"20ms\",\"requests\":1}]}"

/* A saga of one step, pay (with step's options), for user-1, while the
 * payment service has fault from 0 s; 5 s of run for what comes late. */
#define PAY_SAGA(step, fault)                                                      \
  "{" NET "\"duration\":\"5s\"," RESOURCES WORKLOADS ("", ",\"saga\":{\"steps\":[{\"name\":" \
  "\"pay\",\"url\":\"http://payment-service/api/payments\"," step "}]}")           \
  "\"traffic\":[" START ("s", "{\"user\":\"user-1\",\"amount\":100}", 1) "],"       \
  "\"faults\":[{\"at\":\"0s\",\"target\":\"payment-service\"," fault "}]}"
