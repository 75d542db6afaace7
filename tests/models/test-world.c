/* tests/models/test-world.c - whole runs: traffic, faults, timeline,
 * ingress, determinism and expectations.
 */
#include "tests/testutil.h"

#include "sim/io/read.h"

#include <math.h>
#include <string.h>

#define NET "\"network\":{\"latency\":\"1ms\"},"

static void
test_closed_loop_counts (void)
{
  g_test_summary ("Closed loop: `connections` clients send `requests` in all, each waiting "
                  "for its previous answer");
  /* 3 connections, 30 requests, 10 ms each (1 + 8 + 1): ten rounds, so the
   * last answer comes at 100 ms. */
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("api", 1) "],"
    "\"workloads\":{\"api\":{\"latency\":\"8ms\"}},"
    "\"traffic\":[{\"name\":\"c\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},"
    "\"connections\":3,\"requests\":30}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.c.requests"), ==, 30);
  g_assert_cmpfloat (test_value (&run, "traffic.c.completed"), ==, 30);
  g_assert_cmpfloat (test_value (&run, "traffic.c.in_flight"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "duration_ms"), ==, 100);
  g_assert_cmpfloat (test_value (&run, "traffic.c.latency_ms.p99"), ==, 10);
}

static void
test_overhead (void)
{
  g_test_summary ("`overhead` delays each request before it reaches the client's proxy, and "
                  "counts in its latency");
  /* 2 ms of overhead + 10 ms (1 + 8 + 1): 12 ms per request, 5 in a row. */
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("api", 1) "],"
    "\"workloads\":{\"api\":{\"latency\":\"8ms\"}},"
    "\"traffic\":[{\"name\":\"s\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},"
    "\"requests\":5,\"overhead\":\"2ms\"}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "duration_ms"), ==, 60);
  g_assert_cmpfloat (test_value (&run, "traffic.s.latency_ms.max"), ==, 12);
}

static void
test_sequence (void)
{
  g_test_summary ("`requests` alone sends one after another");
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("api", 1) "],"
    "\"workloads\":{\"api\":{\"latency\":\"8ms\"}},"
    "\"traffic\":[{\"name\":\"s\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},"
    "\"requests\":5}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.s.completed"), ==, 5);
  g_assert_cmpfloat (test_value (&run, "duration_ms"), ==, 50);
}

static void
test_open_loop_rate (void)
{
  g_test_summary ("Open loop: Poisson arrivals at `rate` for `duration`");
  static const char json[] =
    "{" NET "\"duration\":\"100s\",\"resources\":[" TEST_APP ("api", 2) "],"
    "\"traffic\":[{\"name\":\"o\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},"
    "\"rate\":100,\"start\":\"10s\",\"duration\":\"50s\"}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  double n = test_value (&run, "traffic.o.requests");
  /* Poisson(5000): sd 71; 5 sigma. */
  g_assert_cmpfloat (fabs (n - 5000), <, 355);
  g_assert_cmpfloat (test_value (&run, "traffic.o.completed"), ==, n);
}

typedef struct {
  MsService *service;
  double at_1s, at_2s, at_end;
  gboolean before_clean;
} FaultWatch;

static void
watch_fault (MsTime now, MsTime end, gpointer data)
{
  (void) end;
  FaultWatch *w = data;
  double errors = (double) w->service->status[503];
  if (now < MS_SEC (1) && errors > 0)
    w->before_clean = FALSE;
  if (now == MS_MSEC (1100))
    w->at_1s = errors;
  if (now == MS_SEC (2))
    w->at_2s = errors;
  w->at_end = errors;
}

static void
test_fault_window_on_time (void)
{
  g_test_summary ("A fault starts at `at` and ends at `at` + `for`, not a request later");
  static const char json[] =
    "{" NET "\"duration\":\"3s\",\"resources\":[" TEST_APP ("api", 1) "],"
    "\"workloads\":{\"api\":{\"latency\":\"8ms\"}},"
    "\"faults\":[{\"at\":\"1s\",\"for\":\"1s\",\"target\":\"api-0\","
    "\"error\":{\"status\":503}}],"
    "\"traffic\":[{\"name\":\"c\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},"
    "\"connections\":1,\"requests\":100000}]}";
  g_auto (TestRun) run = { 0 };
  test_build (&run, json, 1);
  FaultWatch watch = { ms_cluster_find_service (ms_world_cluster (run.world), "api"), 0, 0, 0,
                       TRUE };
  ms_world_run (run.world, watch_fault, &watch);
  run.report = ms_world_report (run.world, -1);
  g_assert_true (watch.before_clean);
  g_assert_cmpfloat (watch.at_1s, >, 0);
  /* In the window each request takes 2 ms (no service time): about 500. */
  g_assert_cmpfloat (fabs (watch.at_2s - 500), <=, 2);
  g_assert_cmpfloat (watch.at_end, ==, watch.at_2s);
  /* Before and after: 10 ms each, 100 per second. */
  g_assert_cmpfloat (fabs (test_value (&run, "traffic.c.status.200") - 200), <=, 2);
}

static void
test_crash_refuses (void)
{
  g_test_summary ("A crashed pod refuses connections: no HTTP status for a plain client, "
                  "503 UF at the ingress");
  static const char json[] =
    "{" NET "\"duration\":\"2s\",\"resources\":[" TEST_APP ("api", 1) "],"
    "\"faults\":[{\"at\":\"0s\",\"target\":\"api\",\"crash\":true}],"
    "\"traffic\":["
    "{\"name\":\"plain\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},\"requests\":3},"
    "{\"name\":\"edge\",\"from\":\"ingress\",\"request\":{\"url\":\"http://api/\"},\"requests\":3}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.plain.status.0"), ==, 3);
  g_assert_cmpfloat (test_value (&run, "traffic.edge.status.503"), ==, 3);
  g_assert_cmpfloat (test_value (&run, "traffic.edge.flags.UF"), ==, 3);
  /* A refused connection takes one round trip. */
  g_assert_cmpfloat (test_value (&run, "traffic.plain.latency_ms.max"), ==, 2);
}

static void
test_ingress_no_route (void)
{
  g_test_summary ("The ingress answers 404 NR for a host it does not know");
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("api", 1) "],"
    "\"traffic\":[{\"name\":\"lost\",\"from\":\"ingress\","
    "\"request\":{\"url\":\"http://nowhere.example/\"},\"requests\":2}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.lost.status.404"), ==, 2);
  g_assert_cmpfloat (test_value (&run, "traffic.lost.flags.NR"), ==, 2);
  g_assert_cmpfloat (test_value (&run, "services.api.requests"), ==, 0);
}

static void
test_scale (void)
{
  g_test_summary ("timeline scale adds pods that take traffic, and removes the newest");
  static const char json[] =
    "{" NET "\"duration\":\"4s\",\"resources\":[" TEST_APP ("api", 1) "],"
    "\"timeline\":[{\"at\":\"1s\",\"scale\":{\"deployment\":\"api\",\"replicas\":3}},"
    "{\"at\":\"3s\",\"scale\":{\"deployment\":\"api\",\"replicas\":1}}],"
    "\"traffic\":[{\"name\":\"o\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},"
    "\"rate\":300}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  double p0 = test_value (&run, "services.api.pods.api-0.requests");
  double p2 = test_value (&run, "services.api.pods.api-2.requests");
  /* api-2 exists from 1 s to 3 s and gets a third of that: about 200. */
  g_assert_cmpfloat (p2, >, 120);
  g_assert_cmpfloat (p2, <, 280);
  g_assert_cmpfloat (p0, >, p2);
  g_assert_cmpfloat (test_value (&run, "workloads.api.replicas"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.o.status.200"),
                     ==, test_value (&run, "traffic.o.completed"));
}

static const char determinism_json[] =
  "{" NET "\"duration\":\"5s\",\"resources\":[" TEST_APP ("front", 2) "," TEST_APP ("back", 3) "],"
  "\"workloads\":{\"front\":{\"latency\":{\"dist\":\"lognormal\",\"p50\":\"2ms\",\"p99\":\"20ms\"},"
  "\"routes\":[{\"calls\":[{\"name\":\"b\",\"url\":\"http://back/\",\"timeout\":\"15ms\","
  "\"attempts\":2,\"onError\":\"continue\"}]}]},"
  "\"back\":{\"latency\":{\"dist\":\"exponential\",\"mean\":\"5ms\"},"
  "\"routes\":[{\"errors\":[{\"fraction\":0.1,\"status\":503}]}]}},"
  "\"traffic\":[{\"name\":\"o\",\"from\":\"ingress\",\"request\":{\"url\":\"http://front/\"},"
  "\"rate\":500}]}";

static char *
run_json (guint64 seed)
{
  g_auto (TestRun) run = { 0 };
  test_run (&run, determinism_json, seed);
  GString *out = g_string_new (NULL);
  ms_report_write_json (run.report, out);
  return g_string_free (out, FALSE);
}

static void
test_determinism (void)
{
  g_test_summary ("The same scenario and seed give byte-identical reports; another seed "
                  "gives another report");
  g_autofree char *a = run_json (1);
  g_autofree char *b = run_json (1);
  g_autofree char *c = run_json (2);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
}

static void
test_expectations (void)
{
  g_test_summary ("Expectations pass and fail on the report's values; an unseen count is 0");
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("api", 1) "],"
    "\"traffic\":[{\"name\":\"s\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},"
    "\"requests\":10}],"
    "\"expect\":[{\"path\":\"traffic.s.completed\",\"equals\":10},"
    "{\"path\":\"traffic.s.status.503\",\"equals\":0},"
    "{\"ratio\":[\"traffic.s.status.200\",\"traffic.s.requests\"],\"between\":[0.99,1]},"
    "{\"name\":\"too fast\",\"path\":\"traffic.s.latency_ms.p50\",\"atLeast\":100},"
    "{\"path\":\"services.api.versions.v9.requests\",\"atMost\":0}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_autoptr (GError) error = NULL;
  int failed = ms_expect_check (run.scenario, run.report, &error);
  g_assert_no_error (error);
  g_assert_cmpint (failed, ==, 1);
  g_autoptr (GString) out = g_string_new (NULL);
  ms_expect_write_text (run.report, FALSE, out);
  g_assert_cmpstr (out->str, ==, "FAIL too fast: traffic.s.latency_ms.p50 = 3, expected at least 100\n");
}

static void
test_expectation_bad_path (void)
{
  g_test_summary ("An expectation naming something not in the report is an input error "
                  "with a suggestion");
  static const char json[] =
    "{\"resources\":[" TEST_APP ("api", 1) "],"
    "\"traffic\":[{\"name\":\"s\",\"from\":\"outside\",\"request\":{\"url\":\"http://api/\"},"
    "\"requests\":1}],"
    "\"expect\":[{\"path\":\"traffic.s.latncy_ms.p50\",\"atMost\":5}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (ms_expect_check (run.scenario, run.report, &error), ==, -1);
  g_assert_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_REFERENCE);
  g_assert_nonnull (strstr (error->message, "did you mean 'latency_ms'"));
  g_assert_true (g_str_has_prefix (error->message, "test.json:1:"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/models/world/closed-loop-counts", test_closed_loop_counts);
  g_test_add_func ("/models/world/overhead", test_overhead);
  g_test_add_func ("/models/world/sequence", test_sequence);
  g_test_add_func ("/models/world/open-loop-rate", test_open_loop_rate);
  g_test_add_func ("/models/world/fault-window-on-time", test_fault_window_on_time);
  g_test_add_func ("/models/world/crash-refuses", test_crash_refuses);
  g_test_add_func ("/models/world/ingress-no-route", test_ingress_no_route);
  g_test_add_func ("/models/world/scale", test_scale);
  g_test_add_func ("/models/world/determinism", test_determinism);
  g_test_add_func ("/models/world/expectations", test_expectations);
  g_test_add_func ("/models/world/expectation-bad-path", test_expectation_bad_path);
  return g_test_run ();
}
