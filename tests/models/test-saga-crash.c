/* tests/models/test-saga-crash.c - the saga orchestrator's restart safety
 * (reference section 7, behaviour 1): a crash of its pod at any point of a
 * saga ends the saga as the crash-free run ends it, and no step takes
 * effect twice.
 *
 * The orchestrator's one pod crashes for a window given as "at" and "for"
 * (run_with_crash); each run lasts long enough for the pod to come back.
 */
#include "tests/models/saga-fixture.h"

/* Runs json with a crash of the orchestrator from at for length (both in
 * ms; no crash when length is 0). */
static void
run_with_crash (TestRun *run, const char *json, gint64 at, gint64 length)
{
  if (length == 0)
    {
      test_run (run, json, 1);
      return;
    }
  g_autofree char *crash = g_strdup_printf ("{\"at\":\"%" G_GINT64_FORMAT "ms\",\"for\":\"%"
                                            G_GINT64_FORMAT "ms\",\"target\":"
                                            "\"saga-orchestrator\",\"crash\":true}", at, length);
  /* Added to the scenario's faults, or as its only one. */
  g_auto (GStrv) parts = g_strsplit (json, "\"faults\":[", 2);
  g_autofree char *text = parts[1] != NULL
    ? g_strdup_printf ("%s\"faults\":[%s,%s", parts[0], crash, parts[1])
    : g_strdup_printf ("{\"faults\":[%s],%s", crash, json + 1);
  test_run (run, text, 1);
}

/* What a saga did, as the participants and the record show it; times are
 * left out, as a crash delays the saga. */
typedef struct {
  MsSagaState state;
  guint32 completed, ambiguous, compensated, compensation_failed, released;
  int failed_step, failed_compensation;
  char *compensations;
  gint64 balance;
  double orders, pending, approved, cancelled, payments, charged, refunded, locked;
} Outcome;

static void
outcome_of (const TestRun *run, Outcome *o)
{
  const MsSagaRecord *r = saga_record (run, 0);
  o->state = r->state;
  o->completed = r->completed;
  o->ambiguous = r->ambiguous;
  o->compensated = r->compensated;
  o->compensation_failed = r->compensation_failed;
  o->released = r->released;
  o->failed_step = r->failed_step;
  o->failed_compensation = r->failed_compensation;
  o->compensations = compensation_trace (run, r);
  g_assert_true (ms_payment_balance (workload_model (run, "payment-service"), "user-1",
                                     &o->balance));
  o->orders = test_value (run, "workloads.order-service.database.rows");
  o->pending = test_value (run, "workloads.order-service.database.pending");
  o->approved = test_value (run, "workloads.order-service.database.approved");
  o->cancelled = test_value (run, "workloads.order-service.database.cancelled");
  o->payments = test_value (run, "workloads.payment-service.database.rows");
  o->charged = test_value (run, "workloads.payment-service.database.charged");
  o->refunded = test_value (run, "workloads.payment-service.database.refunded");
  o->locked = test_value (run, "workloads.user-service.database.locked");
}

static void
assert_same_outcome (const Outcome *a, const Outcome *b)
{
  g_assert_cmpstr (ms_saga_state_name (a->state), ==, ms_saga_state_name (b->state));
  g_assert_cmphex (a->completed, ==, b->completed);
  g_assert_cmphex (a->ambiguous, ==, b->ambiguous);
  g_assert_cmphex (a->compensated, ==, b->compensated);
  g_assert_cmphex (a->compensation_failed, ==, b->compensation_failed);
  g_assert_cmphex (a->released, ==, b->released);
  g_assert_cmpint (a->failed_step, ==, b->failed_step);
  g_assert_cmpint (a->failed_compensation, ==, b->failed_compensation);
  g_assert_cmpstr (a->compensations, ==, b->compensations);
  g_assert_cmpint (a->balance, ==, b->balance);
  g_assert_cmpfloat (a->orders, ==, b->orders);
  g_assert_cmpfloat (a->pending, ==, b->pending);
  g_assert_cmpfloat (a->approved, ==, b->approved);
  g_assert_cmpfloat (a->cancelled, ==, b->cancelled);
  g_assert_cmpfloat (a->payments, ==, b->payments);
  g_assert_cmpfloat (a->charged, ==, b->charged);
  g_assert_cmpfloat (a->refunded, ==, b->refunded);
  g_assert_cmpfloat (a->locked, ==, b->locked);
}

static void
outcome_clear (Outcome *o)
{
  g_free (o->compensations);
}

/* One saga of user-1, with a run long enough for any restart. */
#define ONE_SAGA(payment, amount)                                                  \
  "{" NET "\"duration\":\"1s\"," RESOURCES WORKLOADS (payment, "")                 \
  "\"traffic\":[" START ("s", "{\"user\":\"user-1\",\"amount\":" #amount "}", 1) "]}"

static const char *const crash_runs[] = {
  ONE_SAGA ("", 100),                          /* completes */
  ONE_SAGA (",\"declineAbove\":150", 500),     /* compensated after a decline */
};

static void
test_crash_every_tick (gconstpointer data)
{
  const char *json = data;
  g_test_summary ("A crash of the orchestrator for 10 ms at any millisecond of a saga (the "
                  "saga's ticks: every hop and service takes 1 ms) ends in the crash-free "
                  "run's outcome: end state, steps done, compensated and released, the "
                  "compensation trace, user-1's balance, the order and payment rows by "
                  "state and the locks; only the times differ");
  g_auto (TestRun) free_run = { 0 };
  run_with_crash (&free_run, json, 0, 0);
  Outcome expected = { 0 };
  outcome_of (&free_run, &expected);
  const MsSagaRecord *r = saga_record (&free_run, 0);
  MsTime last = ((const MsSagaEvent *) r->history->pdata[r->history->len - 1])->at;
  guint crashes = 0;
  /* From just after the start request was taken to the last event. */
  for (MsTime at = r->started_at + MS_MSEC (1); at <= last; at += MS_MSEC (1))
    {
      g_auto (TestRun) run = { 0 };
      run_with_crash (&run, json, at / 1000, 10);
      Outcome got = { 0 };
      outcome_of (&run, &got);
      assert_same_outcome (&got, &expected);
      outcome_clear (&got);
      const MsSagaRecord *c = saga_record (&run, 0);
      g_assert_true (ms_saga_state_is_final (c->state));
      crashes += count_events (c, MS_SAGA_EVENT_RESUMED, -1);
      g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.sagas.in_flight"), ==,
                         0);
      g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.consistent"), ==, 1);
    }
  /* Every crash but one at the very last event (when the saga is over)
   * found the saga unfinished. */
  g_assert_cmpuint (crashes, >=, (last - r->started_at) / MS_MSEC (1) - 1);
  outcome_clear (&expected);
}

static void
test_crash_mid_step (void)
{
  g_test_summary ("A crash while create_order is at the order service (sent at 5 ms, "
                  "crash 6 to 16 ms): the reply is lost; at 16 ms the restarted pod "
                  "re-sends the same request id, and the service answers it from its "
                  "store, so the order is created once and the step completes at 19 ms");
  g_auto (TestRun) run = { 0 };
  run_with_crash (&run, ONE_SAGA ("", 100), 6, 10);
  const MsSagaRecord *r = saga_record (&run, 0);
  assert_event (r, MS_SAGA_EVENT_STEP_SCHEDULED, 1, MS_MSEC (5),
                "saga-1/create_order/1");
  g_assert_cmpint (event_time (r, MS_SAGA_EVENT_RESUMED, -1), ==, MS_MSEC (16));
  g_assert_cmpint (event_time (r, MS_SAGA_EVENT_STEP_COMPLETED, 1), ==, MS_MSEC (19));
  /* One StepScheduled for the step: the re-send is the same attempt. */
  g_assert_cmpuint (count_events (r, MS_SAGA_EVENT_STEP_SCHEDULED, 1), ==, 1);
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "COMPLETED");
  g_assert_cmpfloat (test_value (&run, "workloads.order-service.database.rows"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.order-service.database.duplicates"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.order-service.database.approved"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.charged"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.user-service.database.locked"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.sagas.resumed"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "sagas.completed"), ==, 1);
  /* The client's connection died with the process. */
  g_assert_cmpfloat (test_value (&run, "traffic.s.status.200"), ==, 0);
}

static void
test_crash_during_compensation (void)
{
  g_test_summary ("A crash while cancel_order is at the order service (payment declined "
                  "at 11 ms, crash 12 to 22 ms): the restarted pod re-sends cancel_order "
                  "with its request id, the order is cancelled once, then unlock_user runs");
  g_auto (TestRun) run = { 0 };
  run_with_crash (&run, ONE_SAGA (",\"declineAbove\":150", 500), 12, 10);
  const MsSagaRecord *r = saga_record (&run, 0);
  assert_event (r, MS_SAGA_EVENT_COMPENSATION_SCHEDULED, 1, MS_MSEC (11),
                "saga-1/cancel_order/1");
  g_assert_cmpint (event_time (r, MS_SAGA_EVENT_COMPENSATION_COMPLETED, 1), ==, MS_MSEC (25));
  g_assert_cmpuint (count_events (r, MS_SAGA_EVENT_COMPENSATION_SCHEDULED, 1), ==, 1);
  g_autofree char *trace = compensation_trace (&run, r);
  g_assert_cmpstr (trace, ==, "cancel_order,unlock_user");
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "COMPENSATED");
  g_assert_cmpuint (r->compensation_attempts, ==, 2);
  g_assert_cmpfloat (test_value (&run, "workloads.order-service.database.cancelled"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.order-service.database.duplicates"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.user-service.database.locked"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "sagas.compensated"), ==, 1);
}

static void
test_crash_keeps_backoff (void)
{
  g_test_summary ("A retry waiting out its backoff when the pod crashes is sent when it "
                  "was due (104 ms), not later: the restart at 70 ms waits what is left");
  static const char json[] =
    PAY_SAGA ("\"retry\":{\"initialInterval\":\"100ms\",\"maximumAttempts\":2}",
              "\"for\":\"20ms\",\"error\":{\"status\":503}");
  g_auto (TestRun) run = { 0 };
  run_with_crash (&run, json, 50, 20);
  const MsSagaRecord *r = saga_record (&run, 0);
  g_assert_cmpint (event_time (r, MS_SAGA_EVENT_STEP_FAILED, 0), ==, MS_MSEC (4));
  g_assert_cmpint (event_time (r, MS_SAGA_EVENT_RESUMED, -1), ==, MS_MSEC (70));
  guint n = 0;
  for (guint i = 0; i < r->history->len; i++)
    {
      const MsSagaEvent *e = r->history->pdata[i];
      if (e->type == MS_SAGA_EVENT_STEP_SCHEDULED && e->attempt == 2)
        {
          g_assert_cmpint (e->at, ==, MS_MSEC (104));
          n++;
        }
    }
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "COMPLETED");
}

static void
test_crash_while_waiting (void)
{
  g_test_summary ("A saga waiting for the lock survives a crash of the orchestrator "
                  "(30 to 40 ms): after the restart both sagas are taken up from the log, "
                  "in start order, and the waiting one still starts after the first one "
                  "releases the user");
  static const char json[] = LOCK_WAIT (",\"onUserLocked\":\"wait\"");
  g_autofree char *text = g_strdup_printf ("{\"duration\":\"1s\",%s", json + 1);
  g_auto (TestRun) run = { 0 };
  run_with_crash (&run, text, 30, 10);
  const MsSagaRecord *a = saga_record (&run, 0);
  const MsSagaRecord *b = saga_record (&run, 1);
  MsTime released = event_time (a, MS_SAGA_EVENT_RELEASED, 0);
  g_assert_cmpint (released, >, 0);
  g_assert_cmpint (event_time (b, MS_SAGA_EVENT_STEP_SCHEDULED, 0), ==, released);
  g_assert_cmpuint (count_events (b, MS_SAGA_EVENT_WAITING, -1), ==, 1);
  g_assert_cmpuint (count_events (b, MS_SAGA_EVENT_RESUMED, -1), ==, 1);
  g_assert_cmpstr (ms_saga_state_name (a->state), ==, "COMPLETED");
  g_assert_cmpstr (ms_saga_state_name (b->state), ==, "COMPLETED");
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.sagas.resumed"), ==, 2);
  g_assert_cmpfloat (test_value (&run, "workloads.user-service.database.locked"), ==, 0);
  /* a's payment was at the service during the crash: re-sent, answered
   * from the store. */
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.duplicates"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.charged"), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/models/saga/crash/every-tick-equals-crash-free/completed",
                        crash_runs[0], test_crash_every_tick);
  g_test_add_data_func ("/models/saga/crash/every-tick-equals-crash-free/compensated",
                        crash_runs[1], test_crash_every_tick);
  g_test_add_func ("/models/saga/crash/mid-step-resent-same-id", test_crash_mid_step);
  g_test_add_func ("/models/saga/crash/during-compensation", test_crash_during_compensation);
  g_test_add_func ("/models/saga/crash/backoff-kept", test_crash_keeps_backoff);
  g_test_add_func ("/models/saga/crash/waiting-saga-resumes", test_crash_while_waiting);
  return g_test_run ();
}
