/* tests/models/test-eventstore.c - the event log, the event store over
 * HTTP, the command service, the projector and the query service.
 *
 * Named after the behaviours of reference section 7 they pin down
 * (9: optimistic appends and idempotent ids; 10: reads and exclusive
 * checkpoints; 11: exactly-once effect across crashes; 12: staleness,
 * min_position and rebuild).  Whole-service tests build a small world and
 * send requests from the client pod through the mesh, reading the answers
 * they get back.
 */
#include "tests/testutil.h"

#include "models/apps/eventlog.h"
#include "models/apps/eventstore.h"
#include "models/apps/pattern.h"
#include "models/apps/projection.h"
#include "models/apps/projector.h"

#include <string.h>

/* The log. */

static MsExpectedVersion
exact (guint64 version)
{
  return (MsExpectedVersion) { MS_EXPECTED_EXACT, version };
}

static MsAppendResult
append_one (MsEventLog *log, const char *stream, MsExpectedVersion expected, const char *id)
{
  MsEventData e = { id, "UserCreated", "{\"name\":\"a\"}" };
  return ms_event_log_append (log, stream, expected, &e, 1, 0);
}

typedef struct {
  const char *name;
  guint64 events;            /* in the stream before the append */
  MsExpectedVersion expected;
  gboolean ok;
} ExpectedCase;

static const ExpectedCase expected_cases[] = {
  { "any-empty", 0, { MS_EXPECTED_ANY, 0 }, TRUE },
  { "any-two", 2, { MS_EXPECTED_ANY, 0 }, TRUE },
  { "no-stream-empty", 0, { MS_EXPECTED_NO_STREAM, 0 }, TRUE },
  { "no-stream-two", 2, { MS_EXPECTED_NO_STREAM, 0 }, FALSE },
  { "exists-empty", 0, { MS_EXPECTED_STREAM_EXISTS, 0 }, FALSE },
  { "exists-two", 2, { MS_EXPECTED_STREAM_EXISTS, 0 }, TRUE },
  { "exact-0-empty", 0, { MS_EXPECTED_EXACT, 0 }, TRUE },
  { "exact-2-two", 2, { MS_EXPECTED_EXACT, 2 }, TRUE },
  { "exact-1-two", 2, { MS_EXPECTED_EXACT, 1 }, FALSE },
  { "exact-3-two", 2, { MS_EXPECTED_EXACT, 3 }, FALSE },
};

static void
test_expected_version (gconstpointer data)
{
  const ExpectedCase *c = data;
  g_test_summary ("Expected version: any, no_stream, stream_exists and exact, each against "
                  "an empty stream and one of two events; a mismatch writes nothing and "
                  "reports the actual version");
  g_autoptr (MsEventLog) log = ms_event_log_new ();
  for (guint64 i = 0; i < c->events; i++)
    g_assert_cmpint (append_one (log, "s", exact (i), NULL).status, ==, MS_APPEND_OK);
  MsAppendResult r = append_one (log, "s", c->expected, "new");
  g_assert_cmpint (r.status, ==, c->ok ? MS_APPEND_OK : MS_APPEND_WRONG_VERSION);
  g_assert_cmpuint (ms_event_log_head (log), ==, c->events + (c->ok ? 1 : 0));
  if (!c->ok)
    g_assert_cmpuint (r.actual, ==, c->events);
  else
    g_assert_cmpuint (r.version, ==, c->events + 1);
}

static void
test_one_of_two_writers (void)
{
  g_test_summary ("Behaviour 9: of two writers appending with the same expected version, "
                  "exactly one succeeds and the other is told the actual version");
  g_autoptr (MsEventLog) log = ms_event_log_new ();
  append_one (log, "user-1", exact (0), "created");
  MsAppendResult first = append_one (log, "user-1", exact (1), "writer-a");
  MsAppendResult second = append_one (log, "user-1", exact (1), "writer-b");
  g_assert_cmpint (first.status, ==, MS_APPEND_OK);
  g_assert_cmpint (second.status, ==, MS_APPEND_WRONG_VERSION);
  g_assert_cmpuint (second.actual, ==, 2);
  g_assert_cmpuint (ms_event_log_version (log, "user-1"), ==, 2);
}

static void
test_idempotent_retry (void)
{
  g_test_summary ("Behaviour 9: a retried append with the same event ids changes nothing, "
                  "whatever its expected version, and answers the first positions");
  g_autoptr (MsEventLog) log = ms_event_log_new ();
  append_one (log, "other", exact (0), "x");
  MsEventData batch[2] = { { "e1", "UserCreated", "{}" }, { "e2", "UserUpdated", "{}" } };
  MsAppendResult first = ms_event_log_append (log, "s", exact (0), batch, 2, 0);
  g_assert_cmpint (first.status, ==, MS_APPEND_OK);
  g_assert_cmpuint (first.first_position, ==, 2);
  g_assert_cmpuint (first.last_position, ==, 3);
  MsAppendResult again = ms_event_log_append (log, "s", exact (0), batch, 2, 0);
  g_assert_cmpint (again.status, ==, MS_APPEND_DUPLICATE);
  g_assert_cmpuint (again.first_position, ==, 2);
  g_assert_cmpuint (again.last_position, ==, 3);
  g_assert_cmpuint (ms_event_log_version (log, "s"), ==, 2);
  g_assert_cmpuint (ms_event_log_head (log), ==, 3);
  /* Part of a batch again, an id of another stream, an id twice. */
  MsEventData partial[2] = { { "e2", "UserUpdated", "{}" }, { "e3", "UserUpdated", "{}" } };
  g_assert_cmpint (ms_event_log_append (log, "s", exact (2), partial, 2, 0).status, ==,
                   MS_APPEND_BAD_ID);
  g_assert_cmpint (append_one (log, "s", exact (2), "x").status, ==, MS_APPEND_BAD_ID);
  MsEventData twice[2] = { { "e4", "UserUpdated", "{}" }, { "e4", "UserUpdated", "{}" } };
  g_assert_cmpint (ms_event_log_append (log, "s", exact (2), twice, 2, 0).status, ==,
                   MS_APPEND_BAD_ID);
  g_assert_cmpuint (ms_event_log_head (log), ==, 3);
}

static void
test_positions_and_reads (void)
{
  g_test_summary ("Behaviour 10: global positions increase by one across streams; a stream "
                  "reads forwards or backwards from a version with a count");
  g_autoptr (MsEventLog) log = ms_event_log_new ();
  const char *streams[] = { "a", "b", "a", "c", "a", "b" };
  for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
    append_one (log, streams[i], (MsExpectedVersion) { MS_EXPECTED_ANY, 0 }, NULL);
  for (guint64 p = 1; p <= 6; p++)
    g_assert_cmpuint (ms_event_log_get (log, p)->position, ==, p);
  g_assert_cmpuint (ms_event_log_n_streams (log), ==, 3);
  g_autoptr (GPtrArray) forward = ms_event_log_read_stream (log, "a", 2, 10, FALSE);
  g_assert_cmpuint (forward->len, ==, 2);
  g_assert_cmpuint (((MsRecordedEvent *) forward->pdata[0])->position, ==, 3);
  g_assert_cmpuint (((MsRecordedEvent *) forward->pdata[1])->position, ==, 5);
  g_autoptr (GPtrArray) last = ms_event_log_read_stream (log, "a", 0, 1, TRUE);
  g_assert_cmpuint (last->len, ==, 1);
  g_assert_cmpuint (((MsRecordedEvent *) last->pdata[0])->version, ==, 3);
  g_autoptr (GPtrArray) missing = ms_event_log_read_stream (log, "zz", 0, 10, FALSE);
  g_assert_cmpuint (missing->len, ==, 0);
  g_assert_cmpstr (ms_event_log_get (log, 2)->event_id, ==, "b@1");
}

static void
test_jsonl_round_trip (void)
{
  g_test_summary ("Export then import gives the same log, byte for byte; an import that "
                  "breaks the numbering is refused with the line");
  g_autoptr (MsEventLog) log = ms_event_log_new ();
  MsEventData e = { "id-1", "UserCreated", "{\"name\":\"Zoë \\\"Z\\\"\"}" };
  ms_event_log_append (log, "user-1", exact (0), &e, 1, MS_MSEC (1500));
  MsEventData second = { NULL, "UserCreated", "{}" };
  ms_event_log_append (log, "user-2", exact (0), &second, 1, MS_MSEC (2000));
  g_autoptr (GString) text = g_string_new (NULL), again = g_string_new (NULL);
  ms_event_log_write_jsonl (log, text);
  g_autoptr (MsEventLog) copy = ms_event_log_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (ms_event_log_read_jsonl (copy, text->str, &error));
  g_assert_no_error (error);
  ms_event_log_write_jsonl (copy, again);
  g_assert_cmpstr (text->str, ==, again->str);
  g_assert_nonnull (strstr (text->str, "\"timestamp\":\"2024-01-01T00:00:01.500Z\""));

  g_autoptr (MsEventLog) bad = ms_event_log_new ();
  const char *line2 = strchr (text->str, '\n') + 1;
  g_assert_false (ms_event_log_read_jsonl (bad, line2, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "line 1"));
}

/* Whole services.  The client pod sends through its sidecar and the
 * answers are kept. */

#define CQRS_RESOURCES                                                                     \
  "\"resources\":[" TEST_APP ("event-store", 1) "," TEST_APP ("command-service", 2) ","    \
  TEST_APP ("event-processor", 2) "," TEST_APP ("query-service", 1) ","                   \
  TEST_APP ("client", 1) "],"

#define CQRS_WORKLOADS(processor)                                                         \
  "\"workloads\":{\"event-store\":{\"model\":\"event-store\"},"                            \
  "\"command-service\":{\"model\":\"command\",\"maxAttempts\":20},"                         \
  "\"event-processor\":{\"model\":\"projector\"" processor "},"                            \
  "\"query-service\":{\"model\":\"query\",\"readModel\":\"event-processor\"}}"

typedef struct {
  int status;
  GString *body;
  gboolean done;
} Answer;

static void
answer_done (gpointer data, int status, MsBody *body)
{
  Answer *a = data;
  a->status = status;
  a->done = TRUE;
  ms_body_write (body, a->body);
}

/* Sends from the client pod at the current time; the answer fills in as
 * the simulation runs. */
static Answer *
send_async (TestRun *run, GQueue *calls, const char *method, const char *host,
            const char *path, const char *body)
{
  Answer *a = g_new0 (Answer, 1);
  a->body = g_string_new (NULL);
  MsPod *pod = ms_cluster_find_pod (ms_world_cluster (run->world), "client-0");
  MsUrl url = { g_intern_string (host), 80, "/" };
  g_autoptr (MsBody) request = body ? ms_body_new_text (body, -1) : NULL;
  ms_pattern_call (calls, pod, method, &url, path, request, MS_SEC (60), NULL, answer_done, a);
  return a;
}

static void
answer_free (Answer *a)
{
  g_string_free (a->body, TRUE);
  g_free (a);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answer, answer_free)

static void
run_for (TestRun *run, MsTime span)
{
  MsSim *sim = ms_world_sim (run->world);
  ms_sim_run_until (sim, ms_sim_now (sim) + span);
}

/* Sends and runs until the answer came (at most 60 s). */
static Answer *
send_wait (TestRun *run, const char *method, const char *host, const char *path,
           const char *body)
{
  GQueue calls = G_QUEUE_INIT;
  Answer *a = send_async (run, &calls, method, host, path, body);
  MsSim *sim = ms_world_sim (run->world);
  MsTime end = ms_sim_now (sim) + MS_SEC (60);
  while (!a->done && ms_sim_now (sim) < end)
    ms_sim_run_until (sim, ms_sim_now (sim) + MS_MSEC (1));
  g_assert_true (a->done);
  return a;
}

static gint64
json_int (const Answer *a, const char *member)
{
  g_autoptr (JsonNode) node = json_from_string (a->body->str, NULL);
  g_assert_nonnull (node);
  JsonObject *o = json_node_get_object (node);
  g_assert_true (json_object_has_member (o, member));
  return json_object_get_int_member (o, member);
}

static MsModel *
model_of (TestRun *run, const char *deployment)
{
  return ms_cluster_find_deployment (ms_world_cluster (run->world), deployment)->model;
}

static void
test_http_two_writers (void)
{
  g_test_summary ("Behaviour 9 over HTTP: two appends sent at once with the same expected "
                  "version get one 200 and one 409 with expected and actual");
  g_auto (TestRun) run = { 0 };
  test_build (&run, "{" CQRS_RESOURCES CQRS_WORKLOADS ("") "}", 1);
  GQueue calls = G_QUEUE_INIT;
  g_autoptr (Answer) a = send_async (&run, &calls, "POST", "event-store", "/api/events",
                                     "{\"aggregate_id\":\"s\",\"expected_version\":0,"
                                     "\"events\":[{\"event_id\":\"a\",\"event_type\":\"T\"}]}");
  g_autoptr (Answer) b = send_async (&run, &calls, "POST", "event-store", "/api/events",
                                     "{\"aggregate_id\":\"s\",\"expected_version\":0,"
                                     "\"events\":[{\"event_id\":\"b\",\"event_type\":\"T\"}]}");
  run_for (&run, MS_SEC (1));
  g_assert_true (a->done && b->done);
  g_assert_cmpint (a->status + b->status, ==, 200 + 409);
  Answer *lost = a->status == 409 ? a : b;
  g_assert_cmpint (json_int (lost, "actual"), ==, 1);
  g_assert_cmpint (json_int (lost, "expected"), ==, 0);
  /* The winner retried with its id: a duplicate, not a second event. */
  g_autoptr (Answer) retry = send_wait (&run, "POST", "event-store", "/api/events",
                                        a->status == 200
                                        ? "{\"aggregate_id\":\"s\",\"expected_version\":0,"
                                          "\"events\":[{\"event_id\":\"a\",\"event_type\":\"T\"}]}"
                                        : "{\"aggregate_id\":\"s\",\"expected_version\":0,"
                                          "\"events\":[{\"event_id\":\"b\",\"event_type\":\"T\"}]}");
  g_assert_cmpint (retry->status, ==, 200);
  g_assert_nonnull (strstr (retry->body->str, "\"duplicate\":true"));
  g_assert_cmpuint (ms_event_log_head (ms_event_store_log (model_of (&run, "event-store"))), ==, 1);
}

static void
test_exclusive_checkpoint (void)
{
  g_test_summary ("Behaviour 10: a read of $all from P returns only positions after P, and "
                  "a long poll at the head is answered by the next append");
  g_auto (TestRun) run = { 0 };
  test_build (&run, "{" CQRS_RESOURCES CQRS_WORKLOADS ("") "}", 1);
  for (int i = 0; i < 5; i++)
    {
      g_autoptr (Answer) a = send_wait (&run, "POST", "command-service",
                                        "/api/commands/create-user", NULL);
      g_assert_cmpint (a->status, ==, 200);
    }
  g_autoptr (Answer) tail = send_wait (&run, "GET", "event-store", "/api/events?from=3", NULL);
  g_assert_cmpint (tail->status, ==, 200);
  g_assert_null (strstr (tail->body->str, "\"position\":3,"));
  g_assert_nonnull (strstr (tail->body->str, "\"position\":4,"));
  g_assert_cmpint (json_int (tail, "total"), ==, 2);

  GQueue calls = G_QUEUE_INIT;
  MsSim *sim = ms_world_sim (run.world);
  MsTime asked = ms_sim_now (sim);
  g_autoptr (Answer) held = send_async (&run, &calls, "GET", "event-store",
                                        "/api/events?from=5&wait=10s", NULL);
  run_for (&run, MS_SEC (2));
  g_assert_false (held->done);
  g_autoptr (Answer) write = send_wait (&run, "POST", "command-service",
                                        "/api/commands/create-user", NULL);
  run_for (&run, MS_MSEC (10));
  g_assert_true (held->done);
  g_assert_cmpint (json_int (held, "total"), ==, 1);
  g_assert_nonnull (strstr (held->body->str, "\"position\":6,"));
  g_assert_cmpint (ms_sim_now (sim) - asked, <, MS_SEC (3));
  /* The projector's own polls never got an event twice. */
  run_for (&run, MS_SEC (1));
  MsRecordedEvent const *last = ms_event_log_get (ms_event_store_log (model_of (&run, "event-store")), 6);
  g_assert_cmpstr (last->type, ==, "UserCreated");
  g_autoptr (MsReport) report = ms_world_report (run.world, -1);
  g_assert_cmpint (ms_report_get_int (ms_report_find (report, "workloads.event-processor"),
                                      "redelivered"), ==, 0);
  g_assert_cmpint (ms_report_get_int (ms_report_find (report, "workloads.event-processor"),
                                      "position"), ==, 6);
}

/* A burst of creates and updates to replay and crash over. */
#define BURST_TRAFFIC                                                                      \
  "\"traffic\":[{\"name\":\"create\",\"from\":\"client\",\"request\":{\"method\":\"POST\"," \
  "\"url\":\"http://command-service/api/commands/create-user\"},\"rate\":200,"              \
  "\"duration\":\"2s\"},"                                                                   \
  "{\"name\":\"update\",\"from\":\"client\",\"request\":{\"method\":\"POST\","              \
  "\"url\":\"http://command-service/api/commands/update-user\",\"body\":{\"user_id\":"      \
  "\"user-1\",\"status\":\"inactive\"}},\"rate\":20,\"start\":\"1s\",\"duration\":\"1s\"}]"

static void
test_crash_never_doubles_or_skips (void)
{
  g_test_summary ("Behaviour 11: the processor crashing in the middle of batches, and "
                  "another replica taking over, never applies an event twice or skips one");
  static const char json[] =
    "{\"duration\":\"30s\"," CQRS_RESOURCES
    CQRS_WORKLOADS (",\"processingDelay\":\"5ms\",\"claimTimeout\":\"2s\"") ","
    "\"faults\":[{\"at\":\"1s\",\"for\":\"3s\",\"target\":\"event-processor-0\","
    "\"crash\":true},{\"at\":\"3500ms\",\"for\":\"1s\",\"target\":\"event-processor\","
    "\"crash\":true}]," BURST_TRAFFIC "}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 3);
  double head = test_value (&run, "workloads.event-store.head_position");
  g_assert_cmpfloat (head, >, 300);
  g_assert_cmpfloat (test_value (&run, "workloads.event-processor.events_lost_in_crashes"), >, 0);
  g_assert_cmpfloat (test_value (&run, "workloads.event-processor.events_applied"), ==, head);
  g_assert_cmpfloat (test_value (&run, "workloads.event-processor.position"), ==, head);
  g_assert_cmpfloat (test_value (&run, "workloads.event-processor.redelivered"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "workloads.event-processor.gaps"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "workloads.event-processor.takeovers"), >=, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.event-processor.consistent"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.event-processor.users"), ==,
                     test_value (&run, "workloads.command-service.commands.create-user.accepted"));
}

static void
test_rebuild_equals_incremental (void)
{
  g_test_summary ("Behaviour 12: a rebuild replays from position 0 into exactly the "
                  "projection built incrementally, and fires no notification again");
  /* A duration, so that the world does not stop when the traffic ends. */
  static const char json[] =
    "{\"duration\":\"60s\"," CQRS_RESOURCES CQRS_WORKLOADS (",\"processingDelay\":\"1ms\"") ","
    BURST_TRAFFIC "}";
  g_auto (TestRun) run = { 0 };
  test_build (&run, json, 5);
  ms_world_start (run.world);
  run_for (&run, MS_SEC (10));
  MsModel *projector = model_of (&run, "event-processor");
  g_autoptr (GString) before = g_string_new (NULL), after = g_string_new (NULL);
  ms_projection_write (ms_projector_projection (projector), before);
  g_autoptr (MsReport) first = ms_world_report (run.world, -1);
  gint64 notifications = ms_report_get_int (ms_report_find (first, "workloads.event-processor"),
                                            "notifications");
  g_assert_cmpint (notifications, >, 300);

  g_autoptr (Answer) rebuild = send_wait (&run, "POST", "event-processor",
                                          "/api/projections/rebuild", NULL);
  g_assert_cmpint (rebuild->status, ==, 200);
  g_autoptr (Answer) status = send_wait (&run, "GET", "event-processor",
                                         "/api/projections/status", NULL);
  g_assert_nonnull (strstr (status->body->str, "\"status\":\"rebuilding\""));
  /* About 400 events at 1 ms each: the replay starts at once, even though
   * the processor was holding a long poll when the rebuild came. */
  run_for (&run, MS_SEC (1));
  ms_projection_write (ms_projector_projection (projector), after);
  /* Not cmpstr: a mismatch would print two long texts. */
  g_assert_true (g_str_equal (before->str, after->str));
  g_autoptr (MsReport) second = ms_world_report (run.world, -1);
  const MsReportNode *p = ms_report_find (second, "workloads.event-processor");
  g_assert_cmpint (ms_report_get_int (p, "notifications"), ==, notifications);
  g_assert_cmpint (ms_report_get_int (p, "rebuilds"), ==, 1);
  g_assert_cmpint (ms_report_get_int (p, "consistent"), ==, 1);
  g_autoptr (Answer) done = send_wait (&run, "GET", "event-processor",
                                       "/api/projections/status", NULL);
  g_assert_nonnull (strstr (done->body->str, "\"status\":\"up-to-date\""));
}

static void
test_min_position (void)
{
  g_test_summary ("Behaviour 12: a query with min_position=P, P the position a command "
                  "answered, never returns data older than P; past its timeout it is a 503 "
                  "saying how stale the data is");
  g_auto (TestRun) run = { 0 };
  /* A slow processor, so that a plain query right after the command is
   * stale. */
  test_build (&run, "{" CQRS_RESOURCES CQRS_WORKLOADS (",\"processingDelay\":\"200ms\"") "}", 1);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (Answer) warm = send_wait (&run, "POST", "command-service",
                                           "/api/commands/create-user", NULL);
    }
  g_autoptr (Answer) command = send_wait (&run, "POST", "command-service",
                                          "/api/commands/create-user",
                                          "{\"user_id\":\"zed\",\"email\":\"zed@example.com\"}");
  g_assert_cmpint (command->status, ==, 200);
  gint64 position = json_int (command, "position");
  g_assert_cmpint (position, ==, 4);

  g_autoptr (Answer) plain = send_wait (&run, "GET", "query-service", "/api/queries/users", NULL);
  g_assert_cmpint (json_int (plain, "as_of_position"), <, position);
  g_assert_nonnull (strstr (plain->body->str, "\"is_stale\":true"));
  g_assert_null (strstr (plain->body->str, "\"zed\""));

  g_autofree char *path = g_strdup_printf ("/api/queries/users?min_position=%" G_GINT64_FORMAT,
                                           position);
  g_autoptr (Answer) fresh = send_wait (&run, "GET", "query-service", path, NULL);
  g_assert_cmpint (fresh->status, ==, 200);
  g_assert_cmpint (json_int (fresh, "as_of_position"), >=, position);
  g_assert_nonnull (strstr (fresh->body->str, "\"zed\""));

  g_autoptr (Answer) late = send_wait (&run, "GET", "query-service",
                                       "/api/queries/user-stats?min_position=99&timeout=100ms",
                                       NULL);
  g_assert_cmpint (late->status, ==, 503);
  /* 99 is past the store's head: no wait would reach it, and the answer
   * says so rather than calling a caught-up projection stale. */
  g_assert_nonnull (strstr (late->body->str, "\"error\":\"not_written\""));
  g_assert_nonnull (strstr (late->body->str, "\"is_stale\":false"));

  /* A position the store has, that the slow projection has not reached
   * within the timeout: stale. */
  g_autoptr (Answer) next = send_wait (&run, "POST", "command-service",
                                       "/api/commands/create-user", NULL);
  g_autofree char *behind = g_strdup_printf ("/api/queries/users?min_position=%" G_GINT64_FORMAT
                                             "&timeout=10ms", json_int (next, "position"));
  g_autoptr (Answer) stale = send_wait (&run, "GET", "query-service", behind, NULL);
  g_assert_cmpint (stale->status, ==, 503);
  g_assert_nonnull (strstr (stale->body->str, "\"error\":\"stale\""));
  g_assert_nonnull (strstr (stale->body->str, "\"is_stale\":true"));
  g_assert_cmpint (json_int (late, "min_position"), ==, 99);
}

static void
test_conflict_storm (void)
{
  g_test_summary ("Concurrent updates of one aggregate conflict (409 from the store), "
                  "reload and retry; every accepted command is one event of the stream");
  static const char json[] =
    "{" CQRS_RESOURCES CQRS_WORKLOADS ("") ","
    "\"traffic\":[{\"name\":\"create\",\"from\":\"client\",\"request\":{\"method\":\"POST\","
    "\"url\":\"http://command-service/api/commands/create-user\",\"body\":{\"user_id\":\"hot\"}},"
    "\"requests\":1},{\"name\":\"storm\",\"from\":\"client\",\"request\":{\"method\":\"POST\","
    "\"url\":\"http://command-service/api/commands/update-user\",\"body\":{\"user_id\":\"hot\","
    "\"name\":\"n\"}},\"connections\":8,\"requests\":200,\"start\":\"100ms\"}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  double accepted = test_value (&run, "workloads.command-service.commands.update-user.accepted");
  g_assert_cmpfloat (test_value (&run, "workloads.event-store.conflicts"), >, 0);
  g_assert_cmpfloat (test_value (&run, "workloads.command-service.commands.update-user.retries"),
                     >, 0);
  g_assert_cmpfloat (accepted + test_value (&run, "traffic.storm.status.409"), ==, 200);
  g_assert_cmpfloat (accepted, >, 150);
  MsEventLog *log = ms_event_store_log (model_of (&run, "event-store"));
  g_assert_cmpuint (ms_event_log_version (log, "hot"), ==, 1 + (guint64) accepted);
}

typedef struct {
  const char *name;
  const char *path;
  const char *body;
  int status;
  const char *says;
} BadCommand;

static const BadCommand bad_commands[] = {
  { "not-json", "create-user", "{nope", 400, "not JSON" },
  { "not-object", "create-user", "[1]", 400, "JSON object" },
  { "email", "create-user", "{\"email\":\"x\"}", 400, "has no @" },
  { "number-name", "create-user", "{\"name\":7}", 400, "must be strings" },
  { "update-no-id", "update-user", "{\"name\":\"a\"}", 400, "needs user_id" },
  { "update-nothing", "update-user", "{\"user_id\":\"u\"}", 400, "to change" },
  { "update-status", "update-user", "{\"user_id\":\"u\",\"status\":\"gone\"}", 400, "active" },
  { "update-missing", "update-user", "{\"user_id\":\"nobody\",\"name\":\"a\"}", 404,
    "user_not_found" },
  { "order-amount", "create-order", "{\"user_id\":\"u\",\"amount\":0}", 400, "above 0" },
  { "order-body", "create-order", NULL, 400, "needs a JSON body" },
  { "cancel-missing", "cancel-order", "{\"order_id\":\"o\"}", 404, "order_not_found" },
  { "unknown", "delete-user", "{}", 404, "not_found" },
};

static void
test_bad_command (gconstpointer data)
{
  const BadCommand *c = data;
  g_test_summary ("A malformed command is refused with 400 and the reason; one about a "
                  "missing aggregate with 404; nothing is appended");
  g_auto (TestRun) run = { 0 };
  test_build (&run, "{" CQRS_RESOURCES CQRS_WORKLOADS ("") "}", 1);
  g_autofree char *path = g_strdup_printf ("/api/commands/%s", c->path);
  g_autoptr (Answer) a = send_wait (&run, "POST", "command-service", path, c->body);
  g_assert_cmpint (a->status, ==, c->status);
  g_assert_nonnull (strstr (a->body->str, c->says));
  g_assert_cmpuint (ms_event_log_head (ms_event_store_log (model_of (&run, "event-store"))), ==, 0);
}

static void
test_projection_fold (void)
{
  g_test_summary ("The projections: users with their status, stats per simulated day, "
                  "orders; events that do not apply are ignored, not failures");
  g_autoptr (MsProjection) p = ms_projection_new ();
  ms_projection_apply_text (p, "u1", "UserCreated", 1, "{\"name\":\"A\",\"email\":\"a@x\"}", 0);
  ms_projection_apply_text (p, "u2", "UserCreated", 1, "{}", MS_DAY + 5);
  ms_projection_apply_text (p, "u1", "UserUpdated", 2, "{\"status\":\"inactive\"}", MS_DAY + 6);
  ms_projection_apply_text (p, "o1", "OrderCreated", 1, "{\"user_id\":\"u1\",\"amount\":9.5}", 7);
  ms_projection_apply_text (p, "o1", "OrderCancelled", 2, "{}", 8);
  g_assert_false (ms_projection_apply_text (p, "u9", "UserUpdated", 1, "{\"name\":\"b\"}", 9));
  g_assert_false (ms_projection_apply_text (p, "u1", "UserCreated", 3, "{}", 9));
  g_assert_false (ms_projection_apply_text (p, "x", "Unknown", 1, "{}", 9));
  g_assert_cmpuint (ms_projection_ignored (p), ==, 3);
  g_autoptr (GString) stats = g_string_new (NULL), orders = g_string_new (NULL);
  ms_projection_write_stats (p, MS_DAY + 10, stats);
  g_assert_cmpstr (stats->str, ==, "{\"total_users\":2,\"active_users\":1,\"new_users_today\":1}");
  ms_projection_write_orders (p, orders);
  g_assert_cmpstr (orders->str, ==, "[{\"id\":\"o1\",\"user_id\":\"u1\",\"amount\":9.50,"
                                    "\"status\":\"cancelled\",\"version\":2}]");
}

static void
test_bind_errors (void)
{
  g_test_summary ("A projector or command must name an event store, a query a projector; "
                  "the error points at the option");
  static const char *const cases[][2] = {
    { "\"command-service\":{\"model\":\"command\",\"eventStore\":\"http://query-service\"}",
      "must name a Service whose pods run model \"event-store\"" },
    { "\"query-service\":{\"model\":\"query\",\"readModel\":\"event-store\"}",
      "\"model\": \"projector\"" },
    { "\"event-processor\":{\"model\":\"projector\",\"eventStore\":\"http://nowhere\"}",
      "nowhere" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf ("{" CQRS_RESOURCES "\"workloads\":{\"event-store\":"
                                               "{\"model\":\"event-store\"},%s}}", cases[i][0]);
      g_autoptr (GError) error = NULL;
      g_autoptr (MsScenario) s = ms_scenario_load_data (json, -1, "json", "test.json", ".", &error);
      g_assert_no_error (error);
      g_autoptr (MsWorld) w = ms_world_new (s, 1, -1, &error);
      g_assert_null (w);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, cases[i][1]));
      g_assert_nonnull (strstr (error->message, "test.json:"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (expected_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/models/eventstore/expected-version/%s",
                                               expected_cases[i].name);
      g_test_add_data_func (path, &expected_cases[i], test_expected_version);
    }
  g_test_add_func ("/models/eventstore/one-of-two-writers", test_one_of_two_writers);
  g_test_add_func ("/models/eventstore/idempotent-retry", test_idempotent_retry);
  g_test_add_func ("/models/eventstore/positions-and-reads", test_positions_and_reads);
  g_test_add_func ("/models/eventstore/jsonl-round-trip", test_jsonl_round_trip);
  g_test_add_func ("/models/eventstore/http-two-writers", test_http_two_writers);
  g_test_add_func ("/models/eventstore/exclusive-checkpoint", test_exclusive_checkpoint);
  g_test_add_func ("/models/projector/crash-never-doubles-or-skips",
                   test_crash_never_doubles_or_skips);
  g_test_add_func ("/models/projector/rebuild-equals-incremental", test_rebuild_equals_incremental);
  g_test_add_func ("/models/projector/projection-fold", test_projection_fold);
  g_test_add_func ("/models/query/min-position", test_min_position);
  g_test_add_func ("/models/command/conflict-storm", test_conflict_storm);
  for (guint i = 0; i < G_N_ELEMENTS (bad_commands); i++)
    {
      g_autofree char *path = g_strdup_printf ("/models/command/bad/%s", bad_commands[i].name);
      g_test_add_data_func (path, &bad_commands[i], test_bad_command);
    }
  g_test_add_func ("/models/pattern/bind-errors", test_bind_errors);
  return g_test_run ();
}
