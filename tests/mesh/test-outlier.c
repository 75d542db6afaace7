/* tests/mesh/test-outlier.c - outlier detection and connection pools, with
 * exact virtual times.
 *
 * Setting for the outlier tests: client "c" (one pod, sidecar) sends one
 * request after another to Service "s" (3 pods, ROUND_ROBIN, so the order
 * of hosts is known).  Network latency 1 ms per hop; a pod answers after
 * 1 ms; a pod under an error fault answers at once.  So a good request
 * takes 3 ms, a failed one 2 ms, and s-0 gets requests 1, 4, 7, ...
 */
#include "tests/testutil.h"

#include <math.h>
#include <string.h>

#define NET "\"network\":{\"latency\":\"1ms\"},"
#define PODS(name, n, extra)                                                              \
  "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" name "\"}," \
  "\"spec\":{\"replicas\":" #n ",\"template\":{\"metadata\":{\"labels\":{\"app\":\"" name  \
  "\"}}}}},{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"" name "\"}," \
  "\"spec\":{\"selector\":{\"app\":\"" name "\"},\"ports\":[{\"port\":80}]}}" extra
#define DR(policy)                                                                        \
  ",{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"DestinationRule\",\"metadata\":"  \
  "{\"name\":\"s\"},\"spec\":{\"host\":\"s\",\"trafficPolicy\":" policy "}}"
#define RR "\"loadBalancer\":{\"simple\":\"ROUND_ROBIN\"}"

/* The ejection windows of the report, as "pod from-to" strings. */
static char *
windows (const TestRun *run)
{
  GString *out = g_string_new (NULL);
  const MsReportNode *list = ms_report_find (run->report, "ejections");
  for (guint i = 0; list != NULL && i < ms_report_n_children (list); i++)
    {
      const MsReportNode *w = ms_report_child (list, i, NULL);
      g_string_append_printf (out, "%s%s ", out->len ? "; " : "", ms_report_get_string (w, "pod"));
      ms_report_format_double (ms_report_get_double (w, "from_s"), out);
      g_string_append_c (out, '-');
      const char *open_end = ms_report_get_string (w, "to_s");
      if (open_end != NULL)
        g_string_append (out, open_end);
      else
        ms_report_format_double (ms_report_get_double (w, "to_s"), out);
    }
  return g_string_free (out, FALSE);
}

#define OUTLIER(extra)                                                                    \
  "{" RR ",\"outlierDetection\":{\"consecutive5xxErrors\":3,\"interval\":\"10s\","        \
  "\"baseEjectionTime\":\"30s\",\"maxEjectionPercent\":100" extra "}}"

static void
test_eject_at_threshold_and_return_on_tick (void)
{
  g_test_summary ("Ejected by the third consecutive 5xx at that instant; back at the first "
                  "interval tick after base x 1 has passed");
  /* s-0 fails from 0 to 20 s.  Its 3rd failure is request 7, answered at
   * 16 + 2 = 18 ms.  Ticks at 10, 20, 30, 40 s; 30 s has passed since
   * 0.018 s only at the 40 s tick. */
  static const char json[] =
    "{" NET "\"duration\":\"60s\",\"resources\":[" TEST_APP ("c", 1) "," PODS ("s", 3, DR (OUTLIER (""))) "],"
    "\"faults\":[{\"at\":\"0s\",\"for\":\"20s\",\"target\":\"s-0\",\"error\":{\"status\":503}}],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},\"requests\":100000}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_autofree char *w = windows (&run);
  g_assert_cmpstr (w, ==, "s-0 0.018-40");
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.503"), ==, 3);
  g_assert_cmpfloat (test_value (&run, "services.s.pods.s-0.ejections"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "clusters.c.outbound|80||s.default.svc.cluster.local"
                                 ".outlier_detection.ejections_enforced_total"), ==, 1);
}

static void
test_second_ejection_twice_as_long (void)
{
  g_test_summary ("A second ejection soon after the first lasts base x 2: the backoff grew");
  /* s-0 fails for the whole run.  First window 0.018-40 (as above).  At
   * 40 s it returns and fails again: requests resume on it at once, the
   * third failure comes within 20 ms, backoff 2 -> 60 s -> first tick at
   * or after 100.02 s is 110 s. */
  static const char json[] =
    "{" NET "\"duration\":\"120s\",\"resources\":[" TEST_APP ("c", 1) "," PODS ("s", 3, DR (OUTLIER (""))) "],"
    "\"faults\":[{\"at\":\"0s\",\"target\":\"s-0\",\"error\":{\"status\":503}}],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},\"requests\":1000000}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_autofree char *w = windows (&run);
  /* The third failure after 40 s is request 40 s + 3 x 8 ms + 2 ms; the
   * third ejection (backoff 3: 90 s) is still running at the end. */
  g_assert_cmpstr (w, ==, "s-0 0.018-40; s-0 40.026-110; s-0 110.019-end");
  g_assert_cmpfloat (test_value (&run, "services.s.pods.s-0.ejections"), ==, 3);
}

static void
test_backoff_decays (void)
{
  g_test_summary ("While healthy, the backoff drops by one per interval, so an ejection "
                  "long after the first lasts base x 1 again");
  /* Fails 0-20 s (window 0.018-40), healthy 20-100 s, fails again from
   * 100 s.  After 40 s the backoff (1) decays at the 50 s tick, the first
   * at least one interval after the return.  The third failure after 100 s
   * ejects for 30 s again: back at the first tick >= 130.0x s, 140 s. */
  static const char json[] =
    "{" NET "\"duration\":\"150s\",\"resources\":[" TEST_APP ("c", 1) "," PODS ("s", 3, DR (OUTLIER (""))) "],"
    "\"faults\":[{\"at\":\"0s\",\"for\":\"20s\",\"target\":\"s-0\",\"error\":{\"status\":503}},"
    "{\"at\":\"100s\",\"target\":\"s-0\",\"error\":{\"status\":503}}],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},\"requests\":1000000}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_autofree char *w = windows (&run);
  g_assert_cmpstr (w, ==, "s-0 0.018-40; s-0 100.02-140; s-0 140.019-end");
}

static void
test_max_ejection_percent_default (void)
{
  g_test_summary ("With the default maxEjectionPercent 10, three hosts eject nothing on "
                  "Istio >= 1.20 ((0+1)/3 > 10%), and the overflow is counted");
  static const char json[] =
    "{" NET "\"duration\":\"5s\",\"resources\":[" TEST_APP ("c", 1) ","
    PODS ("s", 3, DR ("{" RR ",\"outlierDetection\":{\"consecutive5xxErrors\":3}}")) "],"
    "\"faults\":[{\"at\":\"0s\",\"target\":\"s-0\",\"error\":{\"status\":503}}],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},\"requests\":30}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "services.s.pods.s-0.ejections"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.503"), ==, 10);
  g_assert_cmpfloat (test_value (&run, "clusters.c.outbound|80||s.default.svc.cluster.local"
                                 ".outlier_detection.ejections_overflow"), ==, 3);
}

static void
test_max_ejection_percent_legacy (void)
{
  g_test_summary ("Before Istio 1.20 (Envoy < 1.28) the first ejection is always allowed");
  static const char json[] =
    "{" NET "\"istio\":\"1.19\",\"duration\":\"5s\",\"resources\":[" TEST_APP ("c", 1) ","
    PODS ("s", 3, DR ("{" RR ",\"outlierDetection\":{\"consecutive5xxErrors\":3}}")) "],"
    "\"faults\":[{\"at\":\"0s\",\"target\":\"s-0\",\"error\":{\"status\":503}}],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},\"requests\":30}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "services.s.pods.s-0.ejections"), ==, 1);
  /* Before 1.24 the default policy also retries the 503s on another host,
   * so the client sees none. */
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.200"), ==, 30);
}

static void
test_all_ejected_uh (void)
{
  g_test_summary ("With every host ejected and minHealthPercent 0, the proxy answers 503 UH "
                  "without sending anything");
  static const char json[] =
    "{" NET "\"duration\":\"5s\",\"resources\":[" TEST_APP ("c", 1) "," PODS ("s", 1, DR (OUTLIER (""))) "],"
    "\"faults\":[{\"at\":\"0s\",\"target\":\"s\",\"error\":{\"status\":503}}],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},\"requests\":10}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.flags.UH"), ==, 7);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.503"), ==, 10);
  g_assert_cmpfloat (test_value (&run, "services.s.requests"), ==, 3);
}

static void
test_panic_routing (void)
{
  g_test_summary ("With minHealthPercent above the healthy share, Envoy panics and routes to "
                  "every host, ejected or not");
  /* 2 hosts, s-0 failing; after its ejection 50% are healthy < 60%: panic,
   * so s-0 keeps getting half the requests. */
  static const char json[] =
    "{" NET "\"duration\":\"5s\",\"resources\":[" TEST_APP ("c", 1) ","
    PODS ("s", 2, DR (OUTLIER (",\"minHealthPercent\":60"))) "],"
    "\"faults\":[{\"at\":\"0s\",\"target\":\"s-0\",\"error\":{\"status\":503}}],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},\"requests\":100}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "services.s.pods.s-0.ejections"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "services.s.pods.s-0.requests"), ==, 50);
  g_assert_cmpfloat (test_value (&run, "traffic.t.flags.UH"), ==, 0);
}

/* Pools: a closed loop of `connections` clients against a pool of one
 * connection and `pending` waiting places. */
#define POOL_SCENARIO(replicas, connections, pool)                                        \
  "{" NET "\"resources\":[" TEST_APP ("c", replicas) "," PODS ("s", 2, DR (pool)) "],"      \
  "\"workloads\":{\"s\":{\"latency\":\"10ms\"}},"                                           \
  "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},"          \
  "\"connections\":" #connections ",\"requests\":300}]}"

static void
test_pool_overflow_counted_once (void)
{
  g_test_summary ("Overflow answers 503 UO locally; upstream_rq_pending_overflow equals the "
                  "number of 503 UO, and no overflowed request reaches a pod");
  /* 5 clients, 2 pods: one connection per pod (a host with none may
   * always open one), 1 pending: the other 2 overflow whenever they come. */
  static const char json[] = POOL_SCENARIO (
    1, 5, "{\"connectionPool\":{\"tcp\":{\"maxConnections\":1},\"http\":{\"http1MaxPendingRequests\":1}}}");
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  double uo = test_value (&run, "traffic.t.flags.UO");
  g_assert_cmpfloat (uo, >, 0);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.503"), ==, uo);
  g_assert_cmpfloat (test_value (&run, "clusters.c.outbound|80||s.default.svc.cluster.local"
                                 ".upstream_rq_pending_overflow"), ==, uo);
  g_assert_cmpfloat (test_value (&run, "services.s.requests"), ==, 300 - uo);
  g_assert_cmpfloat (test_value (&run, "services.s.status.200"), ==, 300 - uo);
}

static void
test_pool_shared_across_pods (void)
{
  g_test_summary ("Limits count over all pods of the cluster: two connections for two pods "
                  "means two requests in flight at a time, not two per pod");
  /* maxConnections 2, 8 clients, room to wait, ROUND_ROBIN (so each pod
   * has its connection before the limit bites): nothing overflows, but at
   * most 2 requests are served at once: 300 x 12 ms / 2 = 1.8 s at least. */
  static const char json[] = POOL_SCENARIO (
    1, 8, "{" RR ",\"connectionPool\":{\"tcp\":{\"maxConnections\":2},\"http\":{\"http1MaxPendingRequests\":100}}}");
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.200"), ==, 300);
  g_assert_cmpfloat (test_value (&run, "duration_ms"), >=, 300 * 12 / 2);
  g_assert_cmpfloat (test_value (&run, "clusters.c.outbound|80||s.default.svc.cluster.local"
                                 ".upstream_cx_total"), ==, 2);
}

static void
test_pool_per_client_proxy (void)
{
  g_test_summary ("Each client proxy has its own limits: two client pods with one connection "
                  "each get twice the throughput of one");
  static const char one[] = POOL_SCENARIO (
    1, 1, "{\"connectionPool\":{\"tcp\":{\"maxConnections\":1},\"http\":{\"http1MaxPendingRequests\":10}}}");
  g_auto (TestRun) a = { 0 };
  test_run (&a, one, 1);
  /* The traffic comes from the first pod only; a second client pod needs a
   * second source. */
  static const char two[] =
    "{" NET "\"resources\":[" TEST_APP ("c", 1) "," TEST_APP ("d", 1) ","
    PODS ("s", 2, DR ("{\"connectionPool\":{\"tcp\":{\"maxConnections\":1},\"http\":{\"http1MaxPendingRequests\":10}}}")) "],"
    "\"workloads\":{\"s\":{\"latency\":\"10ms\"}},"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},\"connections\":1,\"requests\":150},"
    "{\"name\":\"u\",\"from\":\"d\",\"request\":{\"url\":\"http://s/\"},\"connections\":1,\"requests\":150}]}";
  g_auto (TestRun) b = { 0 };
  test_run (&b, two, 1);
  double single = test_value (&a, "duration_ms");
  double both = test_value (&b, "duration_ms");
  /* Not quite half: the server side applies the same limits per server
   * pod, and two clients sometimes pick the same pod. */
  g_assert_cmpfloat (both, <, single * 0.75);
  g_assert_cmpfloat (test_value (&b, "traffic.t.flags.UO") + test_value (&b, "traffic.u.flags.UO"), ==, 0);
}

static void
test_pool_inbound_side (void)
{
  g_test_summary ("The server sidecar enforces the same limits for all its clients together: "
                  "three client pods, one connection and one pending place at the server");
  /* Each client proxy keeps its own one connection, so the clients' limits
   * never bind; the server's inbound side takes one request and queues one,
   * and answers the third 503 UO itself (the app never sees it). */
  static const char json[] =
    "{" NET "\"resources\":[" TEST_APP ("c", 1) "," TEST_APP ("d", 1) "," TEST_APP ("e", 1) ","
    PODS ("s", 1, DR ("{\"connectionPool\":{\"tcp\":{\"maxConnections\":1},"
                      "\"http\":{\"http1MaxPendingRequests\":1}}}")) "],"
    "\"workloads\":{\"s\":{\"latency\":\"10ms\"}},"
    "\"traffic\":["
    "{\"name\":\"c\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},\"connections\":1,\"requests\":100},"
    "{\"name\":\"d\",\"from\":\"d\",\"request\":{\"url\":\"http://s/\"},\"connections\":1,\"requests\":100},"
    "{\"name\":\"e\",\"from\":\"e\",\"request\":{\"url\":\"http://s/\"},\"connections\":1,\"requests\":100}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  double rejected = test_value (&run, "services.s.status.503");
  g_assert_cmpfloat (rejected, >, 0);
  /* The app served only what the inbound pool let through. */
  g_assert_cmpfloat (test_value (&run, "workloads.s.rejected"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "services.s.status.200") + rejected, ==, 300);
  /* The clients see a 503 from upstream, not their own overflow. */
  g_assert_cmpfloat (test_value (&run, "traffic.c.flags.UO") + test_value (&run, "traffic.d.flags.UO")
                     + test_value (&run, "traffic.e.flags.UO"), ==, 0);
}

/* Connection timing (pool.h): with network latency 1 ms per hop, a new
 * connection from a sidecar to a sidecar takes 4 ms (TCP and TLS: two round
 * trips) before it can carry a request, and a request then takes 3 ms
 * (1 there, 1 of service, 1 back). */
#define TIMING_SCENARIO(connections, requests, policy)                                   \
  "{" NET "\"resources\":[" TEST_APP ("c", 1) "," PODS ("s", 1, DR (policy)) "],"          \
  "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},"        \
  "\"connections\":" #connections ",\"requests\":" #requests "}]}"
#define CLUSTER_STAT(name) "clusters.c.outbound|80||s.default.svc.cluster.local." name

static void
test_pool_handshake_before_first_request (void)
{
  g_test_summary ("A new connection carries its first request only after the handshake: "
                  "1 round trip for TCP, 1 more for mTLS; a kept-alive one carries the next "
                  "at once");
  /* Keep-alive: 4 + 3, then 3.  No keep-alive (maxRequestsPerConnection 1):
   * 7 and 7.  Plaintext (tls DISABLE), no keep-alive: 2 + 3 twice. */
  static const struct {
    double duration, connections;
  } cases[] = { { 10, 1 }, { 14, 2 }, { 10, 2 } };
  static const char *const json[] = {
    TIMING_SCENARIO (1, 2, "{\"connectionPool\":{\"tcp\":{\"maxConnections\":10}}}"),
    TIMING_SCENARIO (1, 2, "{\"connectionPool\":{\"http\":{\"maxRequestsPerConnection\":1}}}"),
    TIMING_SCENARIO (1, 2, "{\"tls\":{\"mode\":\"DISABLE\"},\"connectionPool\":{\"http\":"
                           "{\"maxRequestsPerConnection\":1}}}"),
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (TestRun) run = { 0 };
      test_run (&run, json[i], 1);
      g_assert_cmpfloat (test_value (&run, "traffic.t.status.200"), ==, 2);
      g_assert_cmpfloat (test_value (&run, "duration_ms"), ==, cases[i].duration);
      g_assert_cmpfloat (test_value (&run, CLUSTER_STAT ("upstream_cx_total")), ==,
                         cases[i].connections);
    }
}

static void
test_pool_pending_limit_before_new_connection (void)
{
  g_test_summary ("With no ready connection a request first needs a pending place, even with "
                  "connections to spare: the second of two simultaneous requests overflows "
                  "while the first one's connection is still in its handshake");
  /* maxConnections 100, http1MaxPendingRequests 1 (Istio 0.7's task page):
   * A waits at 0 for its connection (ready at 4 ms); B finds the pending
   * place taken and is answered 503 UO at 0, with no connection opened. */
  static const char json[] = TIMING_SCENARIO (
    2, 2, "{\"connectionPool\":{\"tcp\":{\"maxConnections\":100},\"http\":{\"http1MaxPendingRequests\":1}}}");
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.flags.UO"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.latency_ms.p50"), ==, 0);
  g_assert_cmpfloat (test_value (&run, "traffic.t.latency_ms.max"), ==, 7);
  g_assert_cmpfloat (test_value (&run, CLUSTER_STAT ("upstream_cx_total")), ==, 1);
  g_assert_cmpfloat (test_value (&run, CLUSTER_STAT ("upstream_rq_pending_overflow")), ==, 1);
}

static void
test_pool_reconnect_after_close (void)
{
  g_test_summary ("With maxRequestsPerConnection 1 each answer closes its connection and the "
                  "next waiter gets a new one a handshake later; a connection in its "
                  "handshake counts against maxConnections");
  /* maxConnections 1, 10 pending places, 2 clients A and B.  0: A and B
   * wait, one connection opens (B may not open a second one: the first
   * counts while connecting).  4: A sent; 7: A answered, its connection
   * closes, B's opens, A' waits; 11: B sent; 14: B answered, A''s opens,
   * B' waits; 18: A' sent, 21 answered; 25: B' sent, 28 answered. */
  static const char json[] = TIMING_SCENARIO (
    2, 4, "{\"connectionPool\":{\"tcp\":{\"maxConnections\":1},\"http\":{\"http1MaxPendingRequests\":10,"
          "\"maxRequestsPerConnection\":1}}}");
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.200"), ==, 4);
  g_assert_cmpfloat (test_value (&run, "duration_ms"), ==, 28);
  g_assert_cmpfloat (test_value (&run, "traffic.t.latency_ms.p50"), ==, 14);
  g_assert_cmpfloat (test_value (&run, "traffic.t.latency_ms.max"), ==, 14);
  g_assert_cmpfloat (test_value (&run, CLUSTER_STAT ("upstream_cx_total")), ==, 4);
  g_assert_cmpfloat (test_value (&run, CLUSTER_STAT ("upstream_cx_overflow")), ==, 3);
  g_assert_cmpfloat (test_value (&run, CLUSTER_STAT ("upstream_rq_pending_total")), ==, 4);
}

static void
test_pool_overflow_uses_own_share (void)
{
  g_test_summary ("A fortio connection that keeps overflowing uses up its own share of -n, "
                  "not its neighbour's (-c 2 -n 4: 2 each)");
  /* The circuit-breaking task's rule.  0: A waits for its connection, B
   * overflows twice at once and is done; A is answered at 7, A' at 14. */
  static const char json[] = TIMING_SCENARIO (
    2, 4, "{\"connectionPool\":{\"tcp\":{\"maxConnections\":1},\"http\":{\"http1MaxPendingRequests\":1,"
          "\"maxRequestsPerConnection\":1}}}");
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.200"), ==, 2);
  g_assert_cmpfloat (test_value (&run, "traffic.t.flags.UO"), ==, 2);
  g_assert_cmpfloat (test_value (&run, "duration_ms"), ==, 14);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mesh/outlier/eject-at-threshold-and-return-on-tick",
                   test_eject_at_threshold_and_return_on_tick);
  g_test_add_func ("/mesh/outlier/second-ejection-twice-as-long", test_second_ejection_twice_as_long);
  g_test_add_func ("/mesh/outlier/backoff-decays", test_backoff_decays);
  g_test_add_func ("/mesh/outlier/max-ejection-percent-default", test_max_ejection_percent_default);
  g_test_add_func ("/mesh/outlier/max-ejection-percent-legacy", test_max_ejection_percent_legacy);
  g_test_add_func ("/mesh/outlier/all-ejected-uh", test_all_ejected_uh);
  g_test_add_func ("/mesh/outlier/panic-routing", test_panic_routing);
  g_test_add_func ("/mesh/pool/overflow-counted-once", test_pool_overflow_counted_once);
  g_test_add_func ("/mesh/pool/shared-across-pods", test_pool_shared_across_pods);
  g_test_add_func ("/mesh/pool/per-client-proxy", test_pool_per_client_proxy);
  g_test_add_func ("/mesh/pool/inbound-side", test_pool_inbound_side);
  g_test_add_func ("/mesh/pool/handshake-before-first-request",
                   test_pool_handshake_before_first_request);
  g_test_add_func ("/mesh/pool/pending-limit-before-new-connection",
                   test_pool_pending_limit_before_new_connection);
  g_test_add_func ("/mesh/pool/reconnect-after-close", test_pool_reconnect_after_close);
  g_test_add_func ("/mesh/pool/overflow-uses-own-share", test_pool_overflow_uses_own_share);
  return g_test_run ();
}
