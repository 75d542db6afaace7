/* tests/models/test-saga.c - the saga orchestrator and its participants,
 * one test per behaviour of section 7 of the reference
 * (saga-eventstore-cqrs.md) that meshsim implements.
 *
 * Crash and restart are in test-saga-crash.c; the scenario pieces both
 * use are in saga-fixture.h.
 */
#include "tests/models/saga-fixture.h"

#include "sim/io/read.h"

#include <string.h>

static void
test_happy_path (void)
{
  g_test_summary ("A saga with no failure runs its steps once each, ends COMPLETED, and "
                  "releases the user's lock");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS ("", "")
    "\"traffic\":[" START ("s", "{\"user\":\"user-1\",\"amount\":100}", 1) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *r = saga_record (&run, 0);
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "COMPLETED");
  g_assert_cmpuint (r->completed, ==, 0xf);
  g_assert_cmpfloat (test_value (&run, "traffic.s.status.200"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "sagas.completed"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.charged"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.order-service.database.approved"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.user-service.database.locked"), ==, 0);
  g_assert_cmpuint (count_events (r, MS_SAGA_EVENT_RELEASED, 0), ==, 1);
}

static void
test_declined_compensates_in_reverse (void)
{
  g_test_summary ("Payment declined: cancel_order, then unlock_user; the declined step "
                  "itself is not compensated");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS (",\"declineAbove\":150", "")
    "\"traffic\":[" START ("s", "{\"user\":\"user-1\",\"amount\":500}", 1) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *r = saga_record (&run, 0);
  g_autofree char *trace = compensation_trace (&run, r);
  g_assert_cmpstr (trace, ==, "cancel_order,unlock_user");
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "COMPENSATED");
  g_assert_cmpint (r->failed_step, ==, 2);
  g_assert_cmpfloat (test_value (&run, "traffic.s.status.409"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.order-service.database.cancelled"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.user-service.database.locked"), ==, 0);
}

static void
test_order_rejected_unlocks_only (void)
{
  g_test_summary ("A business reject at create_order: only unlock_user runs");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS ("", "")
    "\"traffic\":[" START ("s", "{\"user\":\"user-1\",\"amount\":5000}", 1) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *r = saga_record (&run, 0);
  g_autofree char *trace = compensation_trace (&run, r);
  g_assert_cmpstr (trace, ==, "unlock_user");
  g_assert_cmpint (r->failed_step, ==, 1);
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "COMPENSATED");
}

static void
test_business_error_not_retried (void)
{
  g_test_summary ("A business error (402) gets no retry: one attempt, then compensation");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS (",\"declineAbove\":150", "")
    "\"traffic\":[" START ("s", "{\"user\":\"user-1\",\"amount\":500}", 1) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *r = saga_record (&run, 0);
  g_assert_cmpuint (count_events (r, MS_SAGA_EVENT_STEP_SCHEDULED, 2), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.calls.process_payment."
                                 "retries"), ==, 0);
}

static void
test_retry_backoff_times (void)
{
  g_test_summary ("Transient failures are retried after min(initial * c^n, max): 100, 200, "
                  "then 300 ms (the cap), for 4 attempts");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS ("", "")
    "\"traffic\":[" START ("s", "{\"user\":\"user-1\",\"amount\":100}", 1) "],"
    "\"faults\":[{\"at\":\"0s\",\"target\":\"payment-service\",\"error\":{\"status\":503}}]}";
  g_autofree char *saga =
    g_strdup ("{\"name\":\"pay\",\"steps\":[{\"name\":\"pay\",\"url\":"
              "\"http://payment-service/api/payments\",\"retry\":{\"initialInterval\":"
              "\"100ms\",\"backoffCoefficient\":2,\"maximumInterval\":\"300ms\","
              "\"maximumAttempts\":4}}]}");
  g_auto (GStrv) parts = g_strsplit (json, "\"model\":\"saga-orchestrator\"", 2);
  g_autofree char *options = g_strdup_printf ("\"model\":\"saga-orchestrator\",\"saga\":%s",
                                              saga);
  g_autofree char *text = g_strjoin (options, parts[0], parts[1], NULL);
  g_auto (TestRun) run = { 0 };
  test_run (&run, text, 1);
  const MsSagaRecord *r = saga_record (&run, 0);
  static const MsTime waits[] = { MS_MSEC (100), MS_MSEC (200), MS_MSEC (300) };
  guint n = 0;
  MsTime failed_at = -1;
  for (guint i = 0; i < r->history->len; i++)
    {
      const MsSagaEvent *e = r->history->pdata[i];
      if (e->type == MS_SAGA_EVENT_STEP_FAILED)
        failed_at = e->at;
      if (e->type == MS_SAGA_EVENT_STEP_SCHEDULED && e->attempt > 1)
        {
          g_assert_cmpint (e->at - failed_at, ==, waits[n]);
          n++;
        }
    }
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "COMPENSATED");
  /* The mesh's default retries (2 more per attempt) come on top. */
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.calls.pay.attempts"), ==, 4);
}

static void
test_timed_out_payment_refunded (void)
{
  g_test_summary ("An ambiguous step that times out is compensated too: refund_payment, "
                  "cancel_order, unlock_user; the charge that landed late is refunded once");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS ("", "")
    "\"traffic\":[" START ("s", "{\"user\":\"user-1\",\"amount\":100}", 1) "],"
    /* The three attempts (at 0, 2.1 and 4.3 s) take 3 s each; the
     * refund, at 6.3 s, is quick. */
    "\"faults\":[{\"at\":\"0s\",\"for\":\"5s\",\"target\":\"payment-service\","
    "\"delay\":{\"delay\":\"3s\"}}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *r = saga_record (&run, 0);
  g_autofree char *trace = compensation_trace (&run, r);
  g_assert_cmpstr (trace, ==, "refund_payment,cancel_order,unlock_user");
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "COMPENSATED");
  g_assert_cmpuint (count_events (r, MS_SAGA_EVENT_STEP_TIMED_OUT, 2), ==, 3);
  /* Three attempts carried one message id: one charge, then one refund. */
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.refunded"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.charged"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.duplicates"), >=, 1);
}

static void
test_late_reply_ignored (void)
{
  g_test_summary ("An attempt that timed out is retried; its late reply does not move the "
                  "saga, and the participant applies the command once");
  static const char json[] =
    /* The duration keeps the run going until the late reply is served. */
    "{" NET "\"duration\":\"5s\"," RESOURCES WORKLOADS ("", "")
    "\"traffic\":[" START ("s", "{\"user\":\"user-1\",\"amount\":100}", 1) "],"
    "\"faults\":[{\"at\":\"0s\",\"for\":\"1s\",\"target\":\"order-service\","
    "\"delay\":{\"delay\":\"3s\"}}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *r = saga_record (&run, 0);
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "COMPLETED");
  g_assert_cmpuint (count_events (r, MS_SAGA_EVENT_STEP_TIMED_OUT, 1), ==, 1);
  g_assert_cmpuint (count_events (r, MS_SAGA_EVENT_STEP_COMPLETED, 1), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.order-service.database.rows"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.order-service.database.duplicates"), ==, 1);
}

static void
test_participant_ignores_duplicate (void)
{
  g_test_summary ("A participant given the same message id twice applies it once and "
                  "answers the same");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS ("", "")
    "\"traffic\":[{\"name\":\"p\",\"from\":\"client\",\"request\":{\"method\":\"POST\","
    "\"url\":\"http://payment-service/api/payments\",\"body\":{\"message_id\":\"m-1\","
    "\"order_id\":\"o-1\",\"user\":\"user-1\",\"amount\":100}},\"requests\":3}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.p.status.201"), ==, 3);
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.charged"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.duplicates"), ==, 2);
}

static void
test_idempotent_start (void)
{
  g_test_summary ("Starting a saga twice for one order_id gives the same saga");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS ("", "")
    "\"traffic\":[" START ("s", "{\"order_id\":\"o-9\",\"user\":\"user-1\"}", 2) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpuint (ms_saga_log_records (saga_log (&run))->len, ==, 1);
  g_assert_cmpfloat (test_value (&run, "sagas.started"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.s.status.200"), ==, 2);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.sagas.duplicate_starts"),
                     ==, 1);
}

/* A saga whose last step, ship, fails for good after payment (503s from
 * "broken"), and whose refunds are answered by "broken" with 503 too. */
static const char failing_refund[] =
  "{" NET RESOURCES WORKLOADS ("", ",\"saga\":{\"onCompensationFailure\":\"MODE\",\"steps\":["
  "{\"name\":\"validate_user\",\"url\":\"http://user-service/api/users/validate\","
  "\"compensation\":{\"name\":\"unlock_user\",\"url\":\"http://user-service/api/users/unlock\"},"
  "\"releaseAtEnd\":true},"
  "{\"name\":\"create_order\",\"url\":\"http://order-service/api/orders\","
  "\"compensation\":{\"name\":\"cancel_order\",\"url\":\"http://order-service/api/orders/compensate\"}},"
  "{\"name\":\"process_payment\",\"url\":\"http://payment-service/api/payments\","
  "\"compensation\":{\"name\":\"refund_payment\",\"url\":\"http://broken/refund\"},"
  "\"compensationRetry\":{\"initialInterval\":\"10ms\",\"maximumAttempts\":3}},"
  "{\"name\":\"ship\",\"url\":\"http://broken/ship\"}]}")
  "\"traffic\":[" START ("s", "{\"user\":\"user-1\",\"amount\":100}", 1) "]}";

static void
run_failing_refund (TestRun *run, const char *mode)
{
  g_auto (GStrv) parts = g_strsplit (failing_refund, "MODE", 2);
  g_autofree char *json = g_strjoin (mode, parts[0], parts[1], NULL);
  test_run (run, json, 1);
}

static void
test_compensation_exhausted_stop (void)
{
  g_test_summary ("A compensation that keeps failing ends the saga FAILED after its own "
                  "retries; with \"stop\" the later compensations do not run, but the "
                  "user's lock is still released");
  g_auto (TestRun) run = { 0 };
  run_failing_refund (&run, "stop");
  const MsSagaRecord *r = saga_record (&run, 0);
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "FAILED");
  g_assert_cmpint (r->failed_step, ==, 3);
  g_assert_cmpint (r->failed_compensation, ==, 2);
  g_assert_cmpuint (count_events (r, MS_SAGA_EVENT_COMPENSATION_SCHEDULED, 2), ==, 3);
  g_autofree char *trace = compensation_trace (&run, r);
  g_assert_cmpstr (trace, ==, "refund_payment");
  g_assert_cmpfloat (test_value (&run, "sagas.failed"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "sagas.compensated"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "traffic.s.status.500"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.user-service.database.locked"), ==, 0);
}

static void
test_compensation_exhausted_continue (void)
{
  g_test_summary ("With \"continue\", the later compensations still run, and the saga "
                  "still ends FAILED");
  g_auto (TestRun) run = { 0 };
  run_failing_refund (&run, "continue");
  const MsSagaRecord *r = saga_record (&run, 0);
  g_autofree char *trace = compensation_trace (&run, r);
  g_assert_cmpstr (trace, ==, "refund_payment,cancel_order,unlock_user");
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "FAILED");
  g_assert_cmpfloat (test_value (&run, "workloads.order-service.database.cancelled"), ==, 1);
}

static void
test_lock_second_saga_refused (void)
{
  g_test_summary ("The user's semantic lock is held from validate_user to the end: a "
                  "second saga for the same user meanwhile is refused and compensated, "
                  "and no lock outlives its saga");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS (",\"latency\":\"50ms\"", "")
    "\"traffic\":[" START ("a", "{\"user\":\"user-1\"}", 1) ","
    "{\"name\":\"b\",\"from\":\"client\",\"request\":{\"method\":\"POST\","
    "\"url\":\"http://saga-orchestrator/api/saga/start\",\"body\":{\"user\":\"user-1\"}},"
    "\"rate\":1000,\"start\":\"20ms\",\"requests\":1}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.a.status.200"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.b.status.409"), ==, 1);
  const MsSagaRecord *second = saga_record (&run, 1);
  g_assert_cmpint (second->failed_step, ==, 0);
  g_assert_cmpuint (second->compensated, ==, 0);
  g_assert_cmpfloat (test_value (&run, "workloads.user-service.database.locked"), ==, 0);
}

static void
assert_same_event (const MsSagaEvent *a, const MsSagaEvent *b)
{
  g_assert_cmpuint (a->position, ==, b->position);
  g_assert_cmpuint (a->version, ==, b->version);
  g_assert_cmpint (a->type, ==, b->type);
  g_assert_cmpint (a->at, ==, b->at);
  g_assert_cmpint (a->step, ==, b->step);
  g_assert_cmpint (a->attempt, ==, b->attempt);
  g_assert_cmpint (a->status, ==, b->status);
  g_assert_cmpint (a->final, ==, b->final);
  g_assert_cmpint (a->compensate, ==, b->compensate);
  g_assert_cmpstr (a->detail, ==, b->detail);
  g_assert_cmpstr (a->key, ==, b->key);
  g_assert_cmpstr (a->user, ==, b->user);
  g_assert_cmpint (a->amount, ==, b->amount);
  g_assert_cmpint (a->items, ==, b->items);
}

static void
test_log_is_event_store (void)
{
  g_test_summary ("The saga log is the event store's log: one stream per saga with its "
                  "events' names, global positions across sagas, and an append with a "
                  "stale expected version writes nothing");
  g_autoptr (MsSagaLog) log = ms_saga_log_new ();
  MsSagaRecord *a = ms_saga_log_start (log, "o-1", "user-1", 100, 1, MS_MSEC (1));
  MsSagaRecord *b = ms_saga_log_start (log, "o-2", "user-2", 100, 1, MS_MSEC (2));
  MsSagaEvent scheduled = { .type = MS_SAGA_EVENT_STEP_SCHEDULED, .at = MS_MSEC (3),
                            .step = 0, .attempt = 1, .detail = "saga-1/a/1" };
  g_assert_true (ms_saga_log_append (log, a, 1, &scheduled));
  g_assert_false (ms_saga_log_append (log, a, 1, &scheduled));
  g_assert_cmpuint (a->history->len, ==, 2);
  g_assert_cmpuint (ms_saga_log_head (log), ==, 3);
  const MsEventLog *events = ms_saga_log_events (log);
  g_assert_cmpuint (ms_event_log_n_streams (events), ==, 2);
  g_assert_cmpuint (ms_event_log_version (events, a->id), ==, 2);
  g_assert_cmpuint (ms_event_log_version (events, b->id), ==, 1);
  const MsRecordedEvent *third = ms_event_log_get (events, 3);
  g_assert_cmpstr (third->stream, ==, "saga-1");
  g_assert_cmpstr (third->type, ==, "StepScheduled");
  g_assert_cmpint (third->appended_at, ==, MS_MSEC (3));
  g_assert_cmpstr (third->data, ==, "{\"detail\":\"saga-1/a/1\",\"step\":0,\"attempt\":1}");
}

static void
test_history_replays_to_record (void)
{
  g_test_summary ("Folding each saga's history rebuilds its record exactly, and the same "
                  "seed gives the same histories");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS (",\"declineFraction\":0.3", "")
    "\"traffic\":[{\"name\":\"s\",\"from\":\"client\",\"request\":{\"method\":\"POST\","
    "\"url\":\"http://saga-orchestrator/api/saga/start\"},\"rate\":50,\"duration\":\"2s\"}]}";
  g_auto (TestRun) one = { 0 };
  g_auto (TestRun) two = { 0 };
  test_run (&one, json, 5);
  test_run (&two, json, 5);
  const GPtrArray *a = ms_saga_log_records (saga_log (&one));
  const GPtrArray *b = ms_saga_log_records (saga_log (&two));
  g_assert_cmpuint (a->len, >, 50);
  g_assert_cmpuint (a->len, ==, b->len);
  g_assert_cmpfloat (test_value (&one, "sagas.compensated"), >, 0);
  for (guint i = 0; i < a->len; i++)
    {
      const MsSagaRecord *r = a->pdata[i];
      g_autoptr (MsSagaRecord) replayed = ms_saga_record_replay (r);
      g_assert_true (ms_saga_record_equal (r, replayed));
      /* The same from the stored JSON alone, event by event. */
      g_autoptr (MsSagaRecord) stored = ms_saga_log_replay (saga_log (&one), r->id);
      g_assert_true (ms_saga_record_equal (r, stored));
      g_assert_cmpuint (stored->history->len, ==, r->history->len);
      for (guint k = 0; k < r->history->len; k++)
        assert_same_event (r->history->pdata[k], stored->history->pdata[k]);
      g_assert_true (ms_saga_record_equal (r, b->pdata[i]));
      /* The record is written before each command: every Completed event
       * follows its Scheduled one. */
      g_assert_cmpuint (count_events (r, MS_SAGA_EVENT_STEP_COMPLETED, -1), <=,
                        count_events (r, MS_SAGA_EVENT_STEP_SCHEDULED, -1));
    }
}

static void
test_report_counts (void)
{
  g_test_summary ("sagas.{started, completed, compensated, failed} in the report count "
                  "the sagas by their end state");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS (",\"declineAbove\":150", "")
    "\"traffic\":[" START ("ok", "{\"amount\":100}", 5) ","
    START ("no", "{\"amount\":500}", 3) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "sagas.started"), ==, 8);
  g_assert_cmpfloat (test_value (&run, "sagas.completed"), ==, 5);
  g_assert_cmpfloat (test_value (&run, "sagas.compensated"), ==, 3);
  g_assert_cmpfloat (test_value (&run, "sagas.failed"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.sagas.in_flight"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.sagas.failed_step."
                                 "process_payment"), ==, 3);
}

static void
test_compensate_endpoint (void)
{
  g_test_summary ("/api/saga/compensate stops the most recent running saga and compensates "
                  "the steps it completed");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS (",\"latency\":\"100ms\"", "")
    "\"traffic\":[" START ("s", "{\"user\":\"user-1\"}", 1) ","
    "{\"name\":\"c\",\"from\":\"client\",\"request\":{\"method\":\"POST\","
    "\"url\":\"http://saga-orchestrator/api/saga/compensate\"},"
    "\"rate\":1000,\"start\":\"50ms\",\"requests\":1}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *r = saga_record (&run, 0);
  g_assert_cmpfloat (test_value (&run, "traffic.c.status.202"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.s.status.409"), ==, 1);
  g_assert_true (r->compensation_requested);
  g_autofree char *trace = compensation_trace (&run, r);
  /* The payment in flight when compensation was asked for completed, so
   * it is refunded too. */
  g_assert_cmpstr (trace, ==, "refund_payment,cancel_order,unlock_user");
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.refunded"), ==, 1);
}

static void
test_step_timeout (void)
{
  g_test_summary ("stepTimeout bounds all attempts of a step (schedule to close): the "
                  "payment sent at 2 ms times out for good at 502 ms, and as it is "
                  "ambiguous it is refunded at once; the charge arriving late is refused");
  static const char json[] =
    PAY_SAGA ("\"stepTimeout\":\"500ms\",\"ambiguous\":true,\"compensation\":{\"name\":"
              "\"refund\",\"url\":\"http://payment-service/api/payments/compensate\"}",
              "\"for\":\"100ms\",\"delay\":{\"delay\":\"3s\"}");
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *r = saga_record (&run, 0);
  assert_event (r, MS_SAGA_EVENT_STEP_TIMED_OUT, 0, MS_MSEC (502),
                "pay timed out after 500ms in all");
  g_assert_cmpuint (count_events (r, MS_SAGA_EVENT_STEP_SCHEDULED, 0), ==, 1);
  g_assert_cmpint (event_time (r, MS_SAGA_EVENT_COMPENSATION_SCHEDULED, 0), ==, MS_MSEC (502));
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "COMPENSATED");
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.voided"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.charged"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "workloads.payment-service.database.refused"), ==, 1);
}

static void
test_lock_second_saga_waits (void)
{
  g_test_summary ("With onUserLocked \"wait\", a second saga for a locked user waits "
                  "(SagaWaiting at 22 ms) and starts validate_user at the instant the "
                  "first saga's lock is released (66 ms); both complete");
  static const char json[] = LOCK_WAIT (",\"onUserLocked\":\"wait\"");
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *a = saga_record (&run, 0);
  const MsSagaRecord *b = saga_record (&run, 1);
  g_assert_cmpint (event_time (a, MS_SAGA_EVENT_RELEASED, 0), ==, MS_MSEC (66));
  assert_event (b, MS_SAGA_EVENT_WAITING, -1, MS_MSEC (22),
                "user-1 is locked by saga-1");
  g_assert_cmpint (event_time (b, MS_SAGA_EVENT_STEP_SCHEDULED, 0), ==, MS_MSEC (66));
  g_assert_cmpstr (ms_saga_state_name (b->state), ==, "COMPLETED");
  g_assert_cmpint (b->ended_at, ==, MS_MSEC (127));
  g_assert_cmpfloat (test_value (&run, "traffic.a.status.200"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.b.status.200"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.sagas.lock_waits"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.user-service.database.locked"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "workloads.user-service.database.refused"), ==, 0);
}

static void
test_lock_wait_times_out (void)
{
  g_test_summary ("A saga waiting for a locked user longer than lockWaitTimeout (30 ms, "
                  "from 22 ms) ends rejected at 52 ms: validate_user failed, nothing to "
                  "compensate, COMPENSATED and 409, as with \"reject\"");
  static const char json[] =
    LOCK_WAIT (",\"onUserLocked\":\"wait\",\"lockWaitTimeout\":\"30ms\"");
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *b = saga_record (&run, 1);
  assert_event (b, MS_SAGA_EVENT_STEP_FAILED, 0, MS_MSEC (52),
                "user-1 was still locked by saga-1 after 30ms");
  g_assert_cmpint (b->ended_at, ==, MS_MSEC (52));
  g_assert_cmpstr (ms_saga_state_name (b->state), ==, "COMPENSATED");
  g_assert_cmpint (b->failed_step, ==, 0);
  g_assert_cmpuint (count_events (b, MS_SAGA_EVENT_STEP_SCHEDULED, -1), ==, 0);
  g_assert_cmpfloat (test_value (&run, "traffic.a.status.200"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.b.status.409"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.sagas.lock_wait_timeouts"),
                     ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.user-service.database.locked"), ==, 0);
}

static void
test_invariants_broken (void)
{
  g_test_summary ("The end-of-run invariants catch a saga that ended with its order PENDING "
                  "and its user still locked (a definition that forgot the compensations): "
                  "the orchestrator is reported inconsistent, which fails the run");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS (",\"declineAbove\":150", ",\"saga\":{\"steps\":["
    "{\"name\":\"validate_user\",\"url\":\"http://user-service/api/users/validate\"},"
    "{\"name\":\"create_order\",\"url\":\"http://order-service/api/orders\"},"
    "{\"name\":\"process_payment\",\"url\":\"http://payment-service/api/payments\"}]}")
    "\"traffic\":[" START ("s", "{\"order_id\":\"o-1\",\"user\":\"user-1\",\"amount\":500}", 1)
    "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpstr (ms_saga_state_name (saga_record (&run, 0)->state), ==, "COMPENSATED");
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.consistent"), ==, 0);
  MsModel *model = workload_model (&run, "saga-orchestrator");
  g_autoptr (GString) problems = g_string_new (NULL);
  g_assert_false (model->klass->verify (model, problems));
  g_assert_cmpstr (problems->str, ==, "saga-1 (order o-1) ended COMPENSATED but it still holds "
                   "the lock on user-1, its order in order-service is PENDING. ");
}

static void
test_history_times_as_written (void)
{
  g_test_summary ("GET /api/saga/{id} writes each history time in milliseconds with the "
                  "digits it has, as the report does: a payment service time of 1002 us "
                  "ends process_payment at 11.002 ms, not json-glib's 11.002000000000001");
  static const char json[] =
    "{" NET RESOURCES WORKLOADS (",\"latency\":\"1002us\"", "")
    "\"traffic\":[" START ("s", "{\"order_id\":\"o-1\",\"user\":\"user-1\"}", 1) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_autofree char *answer = saga_api_get (&run, "/api/saga/saga-1");
  g_assert_true (g_str_has_prefix (answer, "200 {"));
  g_assert_nonnull (strstr (answer, ",{\"version\":7,\"type\":\"StepCompleted\",\"at_ms\":11.002,"
                            "\"step\":\"process_payment\",\"attempt\":1,\"http_status\":201},"));
}

static void
test_retry_delay_rule (void)
{
  g_test_summary ("ms_saga_retry_delay is min(initial * c^n, max)");
  MsSagaRetry policy = { MS_MSEC (100), 3.0, MS_SEC (1), 10 };
  g_assert_cmpint (ms_saga_retry_delay (&policy, 0), ==, MS_MSEC (100));
  g_assert_cmpint (ms_saga_retry_delay (&policy, 1), ==, MS_MSEC (300));
  g_assert_cmpint (ms_saga_retry_delay (&policy, 2), ==, MS_MSEC (900));
  g_assert_cmpint (ms_saga_retry_delay (&policy, 3), ==, MS_SEC (1));
  g_assert_cmpint (ms_saga_retry_delay (&policy, 50), ==, MS_SEC (1));
}

/* Bad definitions: each must fail to load with a message naming the
 * problem. */
typedef struct {
  const char *saga;
  const char *message;
} BadSaga;

static const BadSaga bad_sagas[] = {
  { "{\"steps\":[]}", "1 to 32 steps" },
  { "{\"steps\":[{\"name\":\"a\"}]}", "url" },
  { "{\"steps\":[{\"name\":\"a\",\"url\":\"http://user-service/\",\"releaseAtEnd\":true}]}",
    "no 'compensation'" },
  { "{\"steps\":[{\"name\":\"a\",\"url\":\"http://user-service/\"},"
    "{\"name\":\"a\",\"url\":\"http://user-service/\"}]}", "two steps" },
  { "{\"steps\":[{\"name\":\"a\",\"url\":\"http://nowhere/\"}]}", "nowhere" },
  { "{\"steps\":[{\"name\":\"a\",\"url\":\"http://user-service/\",\"retry\":"
    "{\"initialInterval\":\"2s\",\"maximumInterval\":\"1s\"}}]}", "maximumInterval" },
  { "{\"steps\":[{\"name\":\"a\",\"url\":\"http://user-service/\",\"retries\":{}}]}",
    "retry" },
};

/* Bad orchestrator options, the same way. */
static const BadSaga bad_options[] = {
  { ",\"onUserLocked\":\"wiat\"", "wait" },
  { ",\"lockWaitTimeout\":\"5s\"", "only with \"onUserLocked\": \"wait\"" },
  { ",\"onUserLocked\":\"wait\",\"lockWaitTimeout\":\"0s\"", "more than 0s" },
  { ",\"onUserLocked\":\"wait\",\"saga\":{\"steps\":[{\"name\":\"a\",\"url\":"
    "\"http://user-service/\"}]}", "releaseAtEnd" },
  { ",\"lockWait\":\"5s\"", "lockWaitTimeout" },
};

static void
test_bad_options (gconstpointer data)
{
  const BadSaga *bad = data;
  g_autofree char *json = g_strdup_printf ("{\"resources\":[" TEST_APP ("user-service", 1) ","
                                           TEST_APP ("order-service", 1) ","
                                           TEST_APP ("payment-service", 1) ","
                                           TEST_APP ("saga-orchestrator", 1) "],"
                                           "\"workloads\":{\"saga-orchestrator\":{\"model\":"
                                           "\"saga-orchestrator\"%s}}}", bad->saga);
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) scenario = ms_scenario_load_data (json, -1, "json", "test.json", ".",
                                                          &error);
  g_autoptr (MsWorld) world = scenario ? ms_world_new (scenario, 1, -1, &error) : NULL;
  g_assert_null (world);
  g_assert_nonnull (error);
  g_assert_true (error->domain == MS_SCENARIO_ERROR);
  if (strstr (error->message, bad->message) == NULL || strstr (error->message, "test.json:") == NULL)
    g_error ("\"%s\" does not mention \"%s\" and where", error->message, bad->message);
}

static void
test_bad_definition (gconstpointer data)
{
  const BadSaga *bad = data;
  g_autofree char *json = g_strdup_printf ("{\"resources\":[" TEST_APP ("user-service", 1) ","
                                           TEST_APP ("saga-orchestrator", 1) "],"
                                           "\"workloads\":{\"saga-orchestrator\":{\"model\":"
                                           "\"saga-orchestrator\",\"saga\":%s}}}", bad->saga);
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) scenario = ms_scenario_load_data (json, -1, "json", "test.json", ".",
                                                          &error);
  g_assert_no_error (error);
  g_autoptr (MsWorld) world = ms_world_new (scenario, 1, -1, &error);
  g_assert_null (world);
  g_assert_nonnull (error);
  g_assert_true (error->domain == MS_SCENARIO_ERROR);
  if (strstr (error->message, bad->message) == NULL)
    g_error ("\"%s\" does not mention \"%s\"", error->message, bad->message);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/models/saga/happy-path", test_happy_path);
  g_test_add_func ("/models/saga/compensation/declined-reverse-order",
                   test_declined_compensates_in_reverse);
  g_test_add_func ("/models/saga/compensation/order-rejected-unlocks-only",
                   test_order_rejected_unlocks_only);
  g_test_add_func ("/models/saga/compensation/timed-out-payment-refunded",
                   test_timed_out_payment_refunded);
  g_test_add_func ("/models/saga/compensation/exhausted-stop", test_compensation_exhausted_stop);
  g_test_add_func ("/models/saga/compensation/exhausted-continue",
                   test_compensation_exhausted_continue);
  g_test_add_func ("/models/saga/retry/business-error-not-retried",
                   test_business_error_not_retried);
  g_test_add_func ("/models/saga/retry/backoff-times", test_retry_backoff_times);
  g_test_add_func ("/models/saga/retry/delay-rule", test_retry_delay_rule);
  g_test_add_func ("/models/saga/timeout/late-reply-ignored", test_late_reply_ignored);
  g_test_add_func ("/models/saga/timeout/step-timeout-all-attempts", test_step_timeout);
  g_test_add_func ("/models/saga/idempotency/participant-duplicate",
                   test_participant_ignores_duplicate);
  g_test_add_func ("/models/saga/idempotency/start", test_idempotent_start);
  g_test_add_func ("/models/saga/lock/second-saga-refused", test_lock_second_saga_refused);
  g_test_add_func ("/models/saga/lock/second-saga-waits-for-release",
                   test_lock_second_saga_waits);
  g_test_add_func ("/models/saga/lock/wait-times-out", test_lock_wait_times_out);
  g_test_add_func ("/models/saga/history/replays-to-record", test_history_replays_to_record);
  g_test_add_func ("/models/saga/history/log-is-event-store", test_log_is_event_store);
  g_test_add_func ("/models/saga/report/counts", test_report_counts);
  g_test_add_func ("/models/saga/invariants/broken-fails-the-run", test_invariants_broken);
  g_test_add_func ("/models/saga/api/compensate", test_compensate_endpoint);
  g_test_add_func ("/models/saga/api/history-times-as-written", test_history_times_as_written);
  for (guint i = 0; i < G_N_ELEMENTS (bad_sagas); i++)
    {
      g_autofree char *path = g_strdup_printf ("/models/saga/definition/bad-%u", i);
      g_test_add_data_func (path, &bad_sagas[i], test_bad_definition);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_options); i++)
    {
      g_autofree char *path = g_strdup_printf ("/models/saga/options/bad-%u", i);
      g_test_add_data_func (path, &bad_options[i], test_bad_options);
    }
  return g_test_run ();
}
