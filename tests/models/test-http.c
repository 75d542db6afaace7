/* tests/models/test-http.c - the generic HTTP service, through whole runs.
 *
 * Each test states a small scenario whose numbers can be worked out by hand
 * (fixed latencies, network latency 1 ms per hop) and checks the report
 * against them: the queueing rule, the app's own timeout and attempts, the
 * two onError modes, parallel calls, route matching and injected errors.
 */
#include "tests/testutil.h"

#include <math.h>

#define NET "\"network\":{\"latency\":\"1ms\"},"

static void
test_concurrency_queue_overflow (void)
{
  g_test_summary ("A pod serves `concurrency` at once, queues `queue` in FIFO order and "
                  "answers 503 beyond that");
  /* 10 clients hit one pod at t=0 (arrival at 1 ms).  2 are served at once,
   * 3 wait, 5 get 503 at once.  Service time 100 ms: the served finish at
   * 1+100+1 = 102 ms, the queued at 202 and 302 ms. */
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("api", 1) "],"
    "\"workloads\":{\"api\":{\"concurrency\":2,\"queue\":3,\"latency\":\"100ms\"}},"
    "\"traffic\":[{\"name\":\"burst\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},"
    "\"connections\":10,\"requests\":10}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.burst.completed"), ==, 10);
  g_assert_cmpfloat (test_value (&run, "traffic.burst.status.200"), ==, 5);
  g_assert_cmpfloat (test_value (&run, "traffic.burst.status.503"), ==, 5);
  g_assert_cmpfloat (test_value (&run, "traffic.burst.latency_ms.max"), ==, 302);
  g_assert_cmpfloat (test_value (&run, "workloads.api.rejected"), ==, 5);
  /* The rejected ones never waited: the fastest answer is one round trip. */
  g_assert_cmpfloat (test_value (&run, "traffic.burst.latency_ms.p50"), ==, 2);
}

static void
test_queue_fifo_order (void)
{
  g_test_summary ("Queued requests are served in arrival order (FIFO)");
  /* One slot, queue 10, 4 clients: completions at 1+100+1, then +100 each;
   * with FIFO the latencies are exactly 102, 202, 302, 402 ms, and the
   * closed loop then keeps the pod busy back to back. */
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("api", 1) "],"
    "\"workloads\":{\"api\":{\"concurrency\":1,\"queue\":10,\"latency\":\"100ms\"}},"
    "\"traffic\":[{\"name\":\"c\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},"
    "\"connections\":4,\"requests\":4}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.c.latency_ms.max"), ==, 402);
  g_assert_cmpfloat (test_value (&run, "traffic.c.latency_ms.mean"), ==, 252);
  g_assert_cmpfloat (test_value (&run, "duration_ms"), ==, 402);
}

/* A frontend calling a backend that takes 100 ms, with a 50 ms timeout and
 * two attempts; onError is filled in per test. */
#define TIMEOUT_SCENARIO(on_error)                                                      \
  "{" NET "\"resources\":[" TEST_APP ("front", 1) "," TEST_APP ("back", 1) "],"        \
  "\"workloads\":{\"front\":{\"latency\":\"0s\",\"routes\":[{\"calls\":[{\"name\":\"b\","   \
  "\"url\":\"http://back/x\",\"timeout\":\"50ms\",\"attempts\":2,\"onError\":\"" on_error \
  "\",\"fallback\":{\"error\":\"unavailable\"}}],\"response\":{\"status\":200}}]},"     \
  "\"back\":{\"latency\":\"100ms\"}},"                                                   \
  "\"traffic\":[{\"name\":\"t\",\"from\":\"outside\",\"request\":{\"url\":\"http://front/\"}," \
  "\"requests\":1}]}"

static void
test_timeout_attempts_continue (void)
{
  g_test_summary ("A call that times out is tried `attempts` times; onError continue still "
                  "answers the route's response");
  g_auto (TestRun) run = { 0 };
  test_run (&run, TIMEOUT_SCENARIO ("continue"), 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.200"), ==, 1);
  /* 1 ms in, two 50 ms timeouts, 1 ms out. */
  g_assert_cmpfloat (test_value (&run, "traffic.t.latency_ms.max"), ==, 102);
  g_assert_cmpfloat (test_value (&run, "workloads.front.calls.b.failed"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.front.calls.b.ok"), ==, 0);
  /* Both attempts reached the backend, which finished them anyway. */
  g_assert_cmpfloat (test_value (&run, "services.back.requests"), ==, 2);
}

static void
test_timeout_attempts_fail (void)
{
  g_test_summary ("onError fail answers 502 (failStatus) once the attempts are used up");
  g_auto (TestRun) run = { 0 };
  test_run (&run, TIMEOUT_SCENARIO ("fail"), 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.502"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.latency_ms.max"), ==, 102);
}

static void
test_retry_succeeds (void)
{
  g_test_summary ("A failed attempt followed by a good one counts as ok");
  /* The backend fails half its requests, drawn per request; with 5
   * attempts a call fails with probability 1/32 (12.5 of 400, sd 3.5). */
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("front", 1) "," TEST_APP ("back", 1) "],"
    "\"workloads\":{\"front\":{\"routes\":[{\"calls\":[{\"name\":\"b\",\"url\":\"http://back/\","
    "\"attempts\":5}]}]},"
    "\"back\":{\"routes\":[{\"errors\":[{\"fraction\":0.5,\"status\":503}]}]}},"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"outside\",\"request\":{\"url\":\"http://front/\"},"
    "\"requests\":400}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 3);
  double failed = test_value (&run, "workloads.front.calls.b.failed");
  double back = test_value (&run, "services.back.requests");
  g_assert_cmpfloat (failed, >=, 1);
  g_assert_cmpfloat (failed, <=, 30);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.200"), ==, 400 - failed);
  /* (1 - 1/32) / (1/2) = 1.94 tries per call on average. */
  g_assert_cmpfloat (back, >, 650);
  g_assert_cmpfloat (back, <, 950);
  g_assert_cmpfloat (test_value (&run, "services.back.status.503"), ==, back - 400 + failed);
}

static void
test_parallel_calls (void)
{
  g_test_summary ("Parallel calls overlap: the answer waits for the slowest, not the sum");
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("front", 1) "," TEST_APP ("a", 1) "," TEST_APP ("b", 1) "],"
    "\"workloads\":{\"front\":{\"latency\":\"0s\",\"routes\":[{\"parallel\":true,\"calls\":["
    "{\"name\":\"a\",\"url\":\"http://a/\"},{\"name\":\"b\",\"url\":\"http://b/\"}]}]},"
    "\"a\":{\"latency\":\"30ms\"},\"b\":{\"latency\":\"50ms\"}},"
    "\"traffic\":[{\"name\":\"p\",\"from\":\"outside\",\"request\":{\"url\":\"http://front/\"},"
    "\"requests\":1}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  /* 1 + (1 + 50 + 1) + 1 */
  g_assert_cmpfloat (test_value (&run, "traffic.p.latency_ms.max"), ==, 54);
}

static void
test_sequential_calls (void)
{
  g_test_summary ("Sequential calls add up, in order");
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("front", 1) "," TEST_APP ("a", 1) "," TEST_APP ("b", 1) "],"
    "\"workloads\":{\"front\":{\"latency\":\"0s\",\"routes\":[{\"calls\":["
    "{\"name\":\"a\",\"url\":\"http://a/\"},{\"name\":\"b\",\"url\":\"http://b/\"}]}]},"
    "\"a\":{\"latency\":\"30ms\"},\"b\":{\"latency\":\"50ms\"}},"
    "\"traffic\":[{\"name\":\"s\",\"from\":\"outside\",\"request\":{\"url\":\"http://front/\"},"
    "\"requests\":1}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  /* 1 + (1 + 30 + 1) + (1 + 50 + 1) + 1 */
  g_assert_cmpfloat (test_value (&run, "traffic.s.latency_ms.max"), ==, 86);
}

static void
test_route_match (void)
{
  g_test_summary ("The first matching route answers; no match is the app's 404");
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("api", 1) "],"
    "\"workloads\":{\"api\":{\"routes\":["
    "{\"match\":{\"exact\":\"/health\"},\"response\":{\"status\":204}},"
    "{\"match\":{\"prefix\":\"/api\",\"method\":\"POST\"},\"response\":{\"status\":201}},"
    "{\"match\":{\"prefix\":\"/api\"},\"response\":{\"status\":200}},"
    "{\"match\":{\"regex\":\"/v[0-9]+/items\"},\"response\":{\"status\":202}}]}},"
    "\"traffic\":["
    "{\"name\":\"health\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/health\"},\"requests\":1},"
    "{\"name\":\"health-q\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/health?x=1\"},\"requests\":1},"
    "{\"name\":\"post\",\"from\":\"outside\",\"request\":{\"method\":\"POST\",\"url\":\"http://api/api/x\"},\"requests\":1},"
    "{\"name\":\"get\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/api/x\"},\"requests\":1},"
    "{\"name\":\"regex\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/v2/items\"},\"requests\":1},"
    "{\"name\":\"regex-partial\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/v2/items/3\"},\"requests\":1}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.health.status.204"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.health-q.status.204"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.post.status.201"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.get.status.200"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.regex.status.202"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.regex-partial.status.404"), ==, 1);
}

static void
test_error_fraction (void)
{
  g_test_summary ("A route's errors fraction fails about that share of requests");
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("api", 2) "],"
    "\"workloads\":{\"api\":{\"routes\":[{\"errors\":[{\"fraction\":0.2,\"status\":500}]}]}},"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},"
    "\"connections\":8,\"requests\":10000}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  double errors = test_value (&run, "traffic.t.status.500");
  /* Binomial(10000, 0.2): sd 40; 5 sigma. */
  g_assert_cmpfloat (fabs (errors - 2000), <, 200);
  g_assert_cmpfloat (test_value (&run, "services.api.pods.api-0.requests"), ==, 5000);
}

static void
test_composite_body (void)
{
  g_test_summary ("A response body carries each call's body, or its fallback, by name");
  g_autoptr (MsBody) base = ms_body_new_text ("{\"page\": \"home\"}", -1);
  g_autoptr (MsBody) details = ms_body_new_text ("{\"id\":0}", -1);
  g_autoptr (MsBody) fallback = ms_body_new_text ("{\"error\":\"unavailable\"}", -1);
  const char *names[] = { "details", "reviews" };
  MsBody *members[] = { details, fallback };
  g_autoptr (MsBody) page = ms_body_new_composite (base, 2, names, members);
  g_autoptr (GString) out = g_string_new (NULL);
  ms_body_write (page, out);
  g_assert_cmpstr (out->str, ==,
                   "{\"page\": \"home\",\"details\":{\"id\":0},\"reviews\":{\"error\":\"unavailable\"}}");
  /* No base: the members alone. */
  g_autoptr (MsBody) bare = ms_body_new_composite (NULL, 1, names, members);
  g_string_truncate (out, 0);
  ms_body_write (bare, out);
  g_assert_cmpstr (out->str, ==, "{\"details\":{\"id\":0}}");
  g_assert_cmpuint (ms_body_length (bare), ==, out->len);
}

/* ms_body_length counts a composite without writing its members out; it
 * must still agree with what ms_body_write writes, whatever the base. */
static void
test_composite_body_length (void)
{
  g_test_summary ("A composite body's length is the length of its written form");
  static const struct {
    const char *text;
    gssize length;
  } bases[] = {
    { "{\"page\": \"home\"}", -1 }, { "{\"a\":1}  \n", -1 }, { "{ }", -1 }, { "{}", -1 },
    { "{", -1 }, { "}", -1 }, { "plain text", -1 }, { "", -1 }, { "  ", -1 }, { "[1,2]", -1 },
    { "x\0y", 3 },
  };
  g_autoptr (MsBody) leaf = ms_body_new_text ("{\"id\":0}", -1);
  for (guint i = 0; i < G_N_ELEMENTS (bases); i++)
    for (int nested = 0; nested < 2; nested++)
      {
        g_autoptr (MsBody) base = ms_body_new_text (bases[i].text, bases[i].length);
        /* A name that needs escaping, a missing member, and (nested) a
         * composite both as a member and as the base. */
        const char *names[] = { "say \"hi\" \\", "missing" };
        MsBody *members[] = { leaf, NULL };
        g_autoptr (MsBody) inner = ms_body_new_composite (base, 2, names, members);
        MsBody *outer_members[] = { inner, leaf };
        g_autoptr (MsBody) outer = ms_body_new_composite (nested ? inner : base, 2, names,
                                                          outer_members);
        MsBody *body = nested ? outer : inner;
        g_autoptr (GString) out = g_string_new (NULL);
        ms_body_write (body, out);
        g_assert_cmpuint (ms_body_length (body), ==, out->len);
        /* Asked again, the kept length. */
        g_assert_cmpuint (ms_body_length (body), ==, out->len);
      }
  /* A composite base with nothing but spaces inside its braces. */
  g_autoptr (MsBody) spaces = ms_body_new_text ("{  }", -1);
  g_autoptr (MsBody) hollow = ms_body_new_composite (spaces, 0, NULL, NULL);
  const char *names[] = { "a" };
  MsBody *members[] = { leaf };
  g_autoptr (MsBody) outer = ms_body_new_composite (hollow, 1, names, members);
  g_autoptr (GString) out = g_string_new (NULL);
  ms_body_write (outer, out);
  g_assert_cmpstr (out->str, ==, "{  \"a\":{\"id\":0}}");
  g_assert_cmpuint (ms_body_length (outer), ==, out->len);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/models/http/concurrency-queue-overflow", test_concurrency_queue_overflow);
  g_test_add_func ("/models/http/queue-fifo-order", test_queue_fifo_order);
  g_test_add_func ("/models/http/timeout-attempts-continue", test_timeout_attempts_continue);
  g_test_add_func ("/models/http/timeout-attempts-fail", test_timeout_attempts_fail);
  g_test_add_func ("/models/http/retry-succeeds", test_retry_succeeds);
  g_test_add_func ("/models/http/parallel-calls", test_parallel_calls);
  g_test_add_func ("/models/http/sequential-calls", test_sequential_calls);
  g_test_add_func ("/models/http/route-match", test_route_match);
  g_test_add_func ("/models/http/error-fraction", test_error_fraction);
  g_test_add_func ("/models/http/composite-body", test_composite_body);
  g_test_add_func ("/models/http/composite-body-length", test_composite_body_length);
  return g_test_run ();
}
