/* tests/mesh/test-router.c - routing, faults, timeouts and retries in the
 * client proxy, through whole runs.
 *
 * The scenarios are tiny: a client Deployment "c" (with a sidecar) calls a
 * Service "s" whose pods carry version labels, network latency 1 ms per
 * hop.  Each test works its numbers out by hand in a comment.
 */
#include "tests/testutil.h"

#include <math.h>
#include <string.h>

#define NET "\"network\":{\"latency\":\"1ms\"},"

/* A Deployment with app and version labels, and a Service over app. */
#define VERSIONED(app, version, replicas)                                                \
  "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" app "-" \
  version "\"},\"spec\":{\"replicas\":" #replicas ",\"template\":{\"metadata\":{\"labels\":" \
  "{\"app\":\"" app "\",\"version\":\"" version "\"}}}}}"
#define SERVICE(app)                                                                      \
  "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"" app "\"},"        \
  "\"spec\":{\"selector\":{\"app\":\"" app "\"},\"ports\":[{\"port\":80}]}}"
#define DR_V1_V2(host)                                                                    \
  "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"DestinationRule\",\"metadata\":"   \
  "{\"name\":\"" host "\"},\"spec\":{\"host\":\"" host "\",\"subsets\":["                  \
  "{\"name\":\"v1\",\"labels\":{\"version\":\"v1\"}},{\"name\":\"v2\",\"labels\":{\"version\":\"v2\"}}]}}"
#define VS(host, http)                                                                    \
  "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":"    \
  "{\"name\":\"" host "-vs\"},\"spec\":{\"hosts\":[\"" host "\"],\"http\":" http "}}"
#define CLIENT TEST_APP ("c", 1)

/* Sends `requests` from c to url with headers (a JSON object or "{}"). */
#define SEND(name, url, headers, requests)                                               \
  "{\"name\":\"" name "\",\"from\":\"c\",\"request\":{\"url\":\"" url "\",\"headers\":"     \
  headers "},\"requests\":" #requests "}"

typedef struct {
  const char *name;
  const char *match;      /* JSON of one HTTPMatchRequest list */
  const char *url;
  const char *headers;
  gboolean v2;            /* expected: routed to v2 (else the default rule, v1) */
} MatchCase;

static const MatchCase match_cases[] = {
  { "uri-exact", "[{\"uri\":{\"exact\":\"/a\"}}]", "http://s/a", "{}", TRUE },
  { "uri-exact-miss", "[{\"uri\":{\"exact\":\"/a\"}}]", "http://s/ab", "{}", FALSE },
  { "uri-exact-ignores-query", "[{\"uri\":{\"exact\":\"/a\"}}]", "http://s/a?x=1", "{}", TRUE },
  { "uri-prefix", "[{\"uri\":{\"prefix\":\"/api\"}}]", "http://s/api/x", "{}", TRUE },
  { "uri-prefix-case", "[{\"uri\":{\"prefix\":\"/api\"}}]", "http://s/API/x", "{}", FALSE },
  { "ignore-uri-case", "[{\"uri\":{\"prefix\":\"/api\"},\"ignoreUriCase\":true}]", "http://s/API/x", "{}", TRUE },
  { "uri-regex-full", "[{\"uri\":{\"regex\":\"/v[0-9]+\"}}]", "http://s/v12", "{}", TRUE },
  { "uri-regex-partial", "[{\"uri\":{\"regex\":\"/v[0-9]+\"}}]", "http://s/v12/x", "{}", FALSE },
  { "header-exact", "[{\"headers\":{\"end-user\":{\"exact\":\"jason\"}}}]", "http://s/", "{\"end-user\":\"jason\"}", TRUE },
  { "header-exact-miss", "[{\"headers\":{\"end-user\":{\"exact\":\"jason\"}}}]", "http://s/", "{\"end-user\":\"json\"}", FALSE },
  { "header-absent", "[{\"headers\":{\"end-user\":{\"exact\":\"jason\"}}}]", "http://s/", "{}", FALSE },
  { "header-prefix", "[{\"headers\":{\"x\":{\"prefix\":\"ab\"}}}]", "http://s/", "{\"x\":\"abc\"}", TRUE },
  { "header-regex", "[{\"headers\":{\"x\":{\"regex\":\"a.c\"}}}]", "http://s/", "{\"x\":\"abc\"}", TRUE },
  { "header-presence", "[{\"headers\":{\"x\":{}}}]", "http://s/", "{\"x\":\"anything\"}", TRUE },
  { "header-presence-miss", "[{\"headers\":{\"x\":{}}}]", "http://s/", "{}", FALSE },
  { "without-headers", "[{\"withoutHeaders\":{\"x\":{}}}]", "http://s/", "{}", TRUE },
  { "without-headers-miss", "[{\"withoutHeaders\":{\"x\":{}}}]", "http://s/", "{\"x\":\"1\"}", FALSE },
  { "query-param", "[{\"queryParams\":{\"id\":{\"exact\":\"7\"}}}]", "http://s/p?a=1&id=7", "{}", TRUE },
  { "query-param-miss", "[{\"queryParams\":{\"id\":{\"exact\":\"7\"}}}]", "http://s/p?id=77", "{}", FALSE },
  { "query-param-empty", "[{\"queryParams\":{\"debug\":{\"exact\":\"\"}}}]", "http://s/p?debug", "{}", TRUE },
  { "method", "[{\"method\":{\"exact\":\"GET\"}}]", "http://s/", "{}", TRUE },
  { "method-miss", "[{\"method\":{\"exact\":\"POST\"}}]", "http://s/", "{}", FALSE },
  { "and-within-block", "[{\"uri\":{\"prefix\":\"/a\"},\"headers\":{\"x\":{}}}]", "http://s/a", "{}", FALSE },
  { "or-across-blocks", "[{\"uri\":{\"prefix\":\"/zzz\"}},{\"headers\":{\"x\":{}}}]", "http://s/a", "{\"x\":\"1\"}", TRUE },
  { "source-labels", "[{\"sourceLabels\":{\"app\":\"c\"}}]", "http://s/", "{}", TRUE },
  { "source-labels-miss", "[{\"sourceLabels\":{\"app\":\"other\"}}]", "http://s/", "{}", FALSE },
  { "port", "[{\"port\":80}]", "http://s/", "{}", TRUE },
  { "gateway-only-rule", "[{\"gateways\":[\"some-gateway\"]}]", "http://s/", "{}", FALSE },
};

static void
test_match (gconstpointer data)
{
  const MatchCase *m = data;
  g_autofree char *json = g_strdup_printf (
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) "," VERSIONED ("s", "v2", 1) ","
    SERVICE ("s") "," DR_V1_V2 ("s") ","
    "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":"
    "{\"name\":\"s\"},\"spec\":{\"hosts\":[\"s\"],\"http\":["
    "{\"match\":%s,\"route\":[{\"destination\":{\"host\":\"s\",\"subset\":\"v2\"}}]},"
    "{\"route\":[{\"destination\":{\"host\":\"s\",\"subset\":\"v1\"}}]}]}}],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"%s\",\"headers\":%s},"
    "\"requests\":3}]}",
    m->match, m->url, m->headers);
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "edges.c.s.versions.v2.requests"), ==, m->v2 ? 3 : 0);
  g_assert_cmpfloat (test_value (&run, "edges.c.s.versions.v1.requests"), ==, m->v2 ? 0 : 3);
}

static void
test_first_match_wins (void)
{
  g_test_summary ("The first rule that matches is used, even when a later one matches too");
  static const char json[] =
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) "," VERSIONED ("s", "v2", 1) ","
    SERVICE ("s") "," DR_V1_V2 ("s") ","
    VS ("s", "[{\"match\":[{\"uri\":{\"prefix\":\"/\"}}],\"route\":[{\"destination\":{\"host\":\"s\",\"subset\":\"v1\"}}]},"
             "{\"match\":[{\"uri\":{\"prefix\":\"/a\"}}],\"route\":[{\"destination\":{\"host\":\"s\",\"subset\":\"v2\"}}]}]") "],"
    "\"traffic\":[" SEND ("t", "http://s/a", "{}", 5) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "edges.c.s.versions.v1.requests"), ==, 5);
}

static void
test_no_rule_matches (void)
{
  g_test_summary ("A VirtualService whose rules all miss answers 404 NR at the client proxy; "
                  "nothing reaches the service");
  static const char json[] =
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) "," SERVICE ("s") ","
    VS ("s", "[{\"match\":[{\"headers\":{\"x\":{}}}],\"route\":[{\"destination\":{\"host\":\"s\"}}]}]") "],"
    "\"traffic\":[" SEND ("t", "http://s/", "{}", 4) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.404"), ==, 4);
  g_assert_cmpfloat (test_value (&run, "traffic.t.flags.NR"), ==, 4);
  g_assert_cmpfloat (test_value (&run, "services.s.requests"), ==, 0);
}

static void
test_unknown_subset (void)
{
  g_test_summary ("A route to a subset no DestinationRule defines gets 503 NC, and a warning");
  static const char json[] =
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) "," SERVICE ("s") ","
    VS ("s", "[{\"route\":[{\"destination\":{\"host\":\"s\",\"subset\":\"v9\"}}]}]") "],"
    "\"traffic\":[" SEND ("t", "http://s/", "{}", 2) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.503"), ==, 2);
  g_assert_cmpfloat (test_value (&run, "traffic.t.flags.NC"), ==, 2);
  const GPtrArray *warnings = ms_world_warnings (run.world);
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_nonnull (strstr (warnings->pdata[0], "subset \"v9\""));
}

static void
test_weights_split (void)
{
  g_test_summary ("Weights 1:3 split 25/75 within 3 sigma (and weights need not sum to 100)");
  static const char json[] =
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) "," VERSIONED ("s", "v2", 1) ","
    SERVICE ("s") "," DR_V1_V2 ("s") ","
    VS ("s", "[{\"route\":[{\"destination\":{\"host\":\"s\",\"subset\":\"v1\"},\"weight\":1},"
             "{\"destination\":{\"host\":\"s\",\"subset\":\"v2\"},\"weight\":3}]}]") "],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},"
    "\"connections\":4,\"requests\":10000}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  double v1 = test_value (&run, "edges.c.s.versions.v1.requests");
  /* Binomial(10000, 0.25): sd = sqrt(10000 x 0.25 x 0.75) = 43.3. */
  g_assert_cmpfloat (fabs (v1 - 2500), <, 3 * 43.3);
  g_assert_cmpfloat (test_value (&run, "edges.c.s.requests"), ==, 10000);
}

static void
test_abort_never_reaches_server (void)
{
  g_test_summary ("A fault abort is answered by the client proxy with FI; the server never "
                  "sees the request, and it is not retried");
  static const char json[] =
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) "," SERVICE ("s") ","
    VS ("s", "[{\"fault\":{\"abort\":{\"httpStatus\":500,\"percentage\":{\"value\":100}}},"
             "\"retries\":{\"attempts\":3,\"retryOn\":\"5xx\"},"
             "\"route\":[{\"destination\":{\"host\":\"s\"}}]}]") "],"
    "\"traffic\":[" SEND ("t", "http://s/", "{}", 5) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.500"), ==, 5);
  g_assert_cmpfloat (test_value (&run, "traffic.t.flags.FI"), ==, 5);
  g_assert_cmpfloat (test_value (&run, "services.s.requests"), ==, 0);
  /* No network hop: the answer comes at once. */
  g_assert_cmpfloat (test_value (&run, "traffic.t.latency_ms.max"), ==, 0);
}

static void
test_delay_outside_timeout (void)
{
  g_test_summary ("A fault delay holds the request (DI) before the router, so the route "
                  "timeout starts after it");
  /* delay 2 s, timeout 1 s, service 10 ms: 2000 + 1 + 10 + 1 = 2012 ms, 200. */
  static const char json[] =
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) "," SERVICE ("s") ","
    VS ("s", "[{\"fault\":{\"delay\":{\"fixedDelay\":\"2s\",\"percentage\":{\"value\":100}}},"
             "\"timeout\":\"1s\",\"route\":[{\"destination\":{\"host\":\"s\"}}]}]") "],"
    "\"workloads\":{\"s-v1\":{\"latency\":\"10ms\"}},"
    "\"traffic\":[" SEND ("t", "http://s/", "{}", 1) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.200"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.flags.DI"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.latency_ms.max"), ==, 2012);
}

static void
test_route_timeout (void)
{
  g_test_summary ("The route timeout answers 504 UT at its deadline and covers retries");
  /* Service 3 s, timeout 500 ms, per-try 200 ms, 5 retries on 5xx: the
   * tries and backoffs are cut at 500 ms. */
  static const char json[] =
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 2) "," SERVICE ("s") ","
    VS ("s", "[{\"timeout\":\"500ms\",\"retries\":{\"attempts\":5,\"perTryTimeout\":\"200ms\","
             "\"retryOn\":\"5xx\"},\"route\":[{\"destination\":{\"host\":\"s\"}}]}]") "],"
    "\"workloads\":{\"s-v1\":{\"latency\":\"3s\"}},"
    "\"traffic\":[" SEND ("t", "http://s/", "{}", 3) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.504"), ==, 3);
  g_assert_cmpfloat (test_value (&run, "traffic.t.flags.UT"), ==, 3);
  g_assert_cmpfloat (test_value (&run, "traffic.t.latency_ms.max"), ==, 500);
  g_assert_cmpfloat (test_value (&run, "traffic.t.latency_ms.p50"), ==, 500);
}

static void
test_per_try_timeout_and_urx (void)
{
  g_test_summary ("Per-try timeouts are retried under 5xx; when retries run out the answer "
                  "is 504 with UT and URX, after all tries and backoffs");
  /* Service 1 s, perTryTimeout 100 ms, 2 retries, no route timeout:
   * 3 tries of 100 ms plus two backoffs below 25 ms and 75 ms. */
  static const char json[] =
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 3) "," SERVICE ("s") ","
    VS ("s", "[{\"retries\":{\"attempts\":2,\"perTryTimeout\":\"100ms\",\"retryOn\":\"5xx\"},"
             "\"route\":[{\"destination\":{\"host\":\"s\"}}]}]") "],"
    "\"workloads\":{\"s-v1\":{\"latency\":\"1s\"}},"
    "\"traffic\":[" SEND ("t", "http://s/", "{}", 20) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.504"), ==, 20);
  g_assert_cmpfloat (test_value (&run, "traffic.t.flags.UT,URX"), ==, 20);
  g_assert_cmpfloat (test_value (&run, "services.s.requests"), ==, 60);
  double min = test_value (&run, "traffic.t.latency_ms.p50");
  double max = test_value (&run, "traffic.t.latency_ms.max");
  g_assert_cmpfloat (min, >=, 300);
  g_assert_cmpfloat (max, <, 300 + 25 + 75);
  /* previous_hosts: retries avoid pods already tried, re-drawing up to 5
   * times (Envoy's host_selection_retry_max_attempts), so the 60 tries
   * spread almost evenly; without the predicate P2C would repeat hosts
   * often. */
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *path = g_strdup_printf ("services.s.pods.s-v1-%d.requests", i);
      g_assert_cmpfloat (fabs (test_value (&run, path) - 20), <=, 3);
    }
}

#define DEFAULT_POLICY_SCENARIO(release)                                                 \
  "{" NET "\"istio\":\"" release "\",\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) "," \
  SERVICE ("s") "],"                                                                       \
  "\"workloads\":{\"s-v1\":{\"routes\":[{\"errors\":[{\"fraction\":1.0,\"status\":503}]}]}}," \
  "\"traffic\":[" SEND ("t", "http://s/", "{}", 10) "]}"

static void
test_default_policy_by_release (void)
{
  g_test_summary ("Without a VirtualService, Istio before 1.24 retries an upstream 503 twice "
                  "(3 tries, then URX); from 1.24 it does not retry it");
  g_auto (TestRun) old = { 0 };
  test_run (&old, DEFAULT_POLICY_SCENARIO ("1.23"), 1);
  g_assert_cmpfloat (test_value (&old, "services.s.requests"), ==, 30);
  g_assert_cmpfloat (test_value (&old, "traffic.t.flags.URX"), ==, 10);
  g_auto (TestRun) current = { 0 };
  test_run (&current, DEFAULT_POLICY_SCENARIO ("1.24"), 1);
  g_assert_cmpfloat (test_value (&current, "services.s.requests"), ==, 10);
  g_assert_cmpfloat (test_value (&current, "traffic.t.flags.-"), ==, 10);
  g_assert_cmpfloat (test_value (&current, "traffic.t.status.503"), ==, 10);
}

static void
test_connect_failure_retried (void)
{
  g_test_summary ("A refused connection is retried by the default policy on another host; "
                  "with every host down the answer is 503 UF,URX");
  static const char json[] =
    "{" NET "\"duration\":\"10s\",\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 2) "," SERVICE ("s") "],"
    "\"faults\":[{\"at\":\"0s\",\"for\":\"5s\",\"target\":\"s-v1-0\",\"crash\":true},"
    "{\"at\":\"5s\",\"target\":\"s\",\"crash\":true}],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},\"rate\":20}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  double done = test_value (&run, "traffic.t.completed");
  double ok = test_value (&run, "traffic.t.status.200");
  double failed = test_value (&run, "traffic.t.flags.UF,URX");
  /* Up to 5 s: every request ends 200 (s-v1-1 serves, retries avoid s-v1-0);
   * from 5 s on: all fail. */
  g_assert_cmpfloat (ok + failed, ==, done);
  g_assert_cmpfloat (ok, >, 70);
  g_assert_cmpfloat (failed, >, 70);
}

static void
test_mirror_does_not_change_result (void)
{
  g_test_summary ("Mirrored requests reach the mirror (host suffixed -shadow) but the "
                  "client's answer comes from the primary only");
  static const char json[] =
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) "," VERSIONED ("s", "v2", 1) ","
    SERVICE ("s") "," DR_V1_V2 ("s") ","
    VS ("s", "[{\"route\":[{\"destination\":{\"host\":\"s\",\"subset\":\"v1\"}}],"
             "\"mirror\":{\"host\":\"s\",\"subset\":\"v2\"},\"mirrorPercentage\":{\"value\":100}}]") "],"
    "\"workloads\":{\"s-v2\":{\"latency\":\"5s\",\"routes\":[{\"errors\":[{\"status\":500}]}]}},"
    "\"traffic\":[" SEND ("t", "http://s/", "{}", 10) "]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.200"), ==, 10);
  g_assert_cmpfloat (test_value (&run, "traffic.t.latency_ms.max"), <, 10);
  g_assert_cmpfloat (test_value (&run, "services.s.pods.s-v2-0.requests"), ==, 10);
}

static void
test_app_timeout_resets_upstream (void)
{
  g_test_summary ("When the app gives up on a call (its own timeout), its sidecar resets the "
                  "upstream request and records it as 0 DC; the server still finishes");
  static const char json[] =
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) "," SERVICE ("s") "],"
    "\"workloads\":{\"c\":{\"routes\":[{\"calls\":[{\"name\":\"s\",\"url\":\"http://s/\","
    "\"timeout\":\"100ms\",\"onError\":\"continue\"}]}]},\"s-v1\":{\"latency\":\"1s\"}},"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"outside\",\"request\":{\"url\":\"http://c/\"},"
    "\"requests\":5}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.c.calls.s.failed"), ==, 5);
  g_assert_cmpfloat (test_value (&run, "edges.c.s.status.0"), ==, 5);
  g_assert_cmpfloat (test_value (&run, "edges.c.s.flags.DC"), ==, 5);
  g_assert_cmpfloat (test_value (&run, "edges.c.s.versions.v1.requests"), ==, 5);
  /* The server got all 5 and answers each after 1 s; the last answers are
   * still under way when the client's traffic is done. */
  g_assert_cmpfloat (test_value (&run, "services.s.requests"), ==, 5);
  g_assert_cmpfloat (test_value (&run, "services.s.status.200") + test_value (&run, "services.s.in_flight"),
                     ==, 5);
}

/* Checks that the edge from `from` to s split its requests between v1 and
 * v2, each `expected` within `within`, and that every request of traffic t
 * went to one of them. */
static void
assert_versions (const TestRun *run, const char *from, double expected, double within)
{
  g_autofree char *v1_path = g_strdup_printf ("edges.%s.s.versions.v1.requests", from);
  g_autofree char *v2_path = g_strdup_printf ("edges.%s.s.versions.v2.requests", from);
  double v1 = test_value (run, v1_path);
  double v2 = test_value (run, v2_path);
  g_assert_cmpfloat (fabs (v1 - expected), <, within);
  g_assert_cmpfloat (fabs (v2 - expected), <, within);
  g_assert_cmpfloat (v1 + v2, ==, test_value (run, "traffic.t.completed"));
}

static void
test_timeline_apply_and_delete (void)
{
  g_test_summary ("A VirtualService applied on the timeline routes from that instant; deleting "
                  "it brings back the Service's default routing");
  /* 0-10 s: all v1; 10-20 s: all v2 (applied); 20-30 s: deleted, so the
   * Service's two pods share the traffic again. */
  static const char json[] =
    "{" NET "\"duration\":\"30s\",\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) ","
    VERSIONED ("s", "v2", 1) "," SERVICE ("s") "," DR_V1_V2 ("s") ","
    VS ("s", "[{\"route\":[{\"destination\":{\"host\":\"s\",\"subset\":\"v1\"}}]}]") "],"
    "\"timeline\":[{\"at\":\"10s\",\"apply\":"
    VS ("s", "[{\"route\":[{\"destination\":{\"host\":\"s\",\"subset\":\"v2\"}}]}]") "},"
    "{\"at\":\"20s\",\"delete\":{\"kind\":\"VirtualService\",\"name\":\"s-vs\"}}],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"c\",\"request\":{\"url\":\"http://s/\"},\"rate\":100}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  /* About 1000 + 500 for v1, 1000 + 500 for v2 (Poisson, sd about 40). */
  assert_versions (&run, "c", 1500, 200);
}

static void
test_timeline_apply_through_gateway (void)
{
  g_test_summary ("The ingress gateway routes by a VirtualService applied on the timeline from "
                  "that instant: its cached route per (Host, port) is dropped with the old "
                  "configuration");
  /* 0-10 s: the gateway's VirtualService sends to v1; 10-20 s: to v2. */
#define GATEWAY_VS(subset)                                                                 \
  "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":"    \
  "{\"name\":\"web\"},\"spec\":{\"hosts\":[\"shop.example\"],\"gateways\":[\"gw\"],"       \
  "\"http\":[{\"route\":[{\"destination\":{\"host\":\"s\",\"subset\":\"" subset "\"}}]}]}}"
  static const char json[] =
    "{" NET "\"duration\":\"20s\",\"resources\":[" VERSIONED ("s", "v1", 1) ","
    VERSIONED ("s", "v2", 1) "," SERVICE ("s") "," DR_V1_V2 ("s") ","
    "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"Gateway\",\"metadata\":"
    "{\"name\":\"gw\"},\"spec\":{\"selector\":{\"istio\":\"ingressgateway\"},\"servers\":"
    "[{\"port\":{\"number\":80,\"name\":\"http\",\"protocol\":\"HTTP\"},"
    "\"hosts\":[\"shop.example\"]}]}}," GATEWAY_VS ("v1") "],"
    "\"timeline\":[{\"at\":\"10s\",\"apply\":" GATEWAY_VS ("v2") "}],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"ingress\","
    "\"request\":{\"url\":\"http://shop.example/\"},\"rate\":100}]}";
#undef GATEWAY_VS
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  /* About 1000 each (Poisson, sd about 32). */
  assert_versions (&run, "istio-ingressgateway", 1000, 150);
}

static void
test_timeline_delete_missing (void)
{
  g_test_summary ("Deleting a resource that does not exist then is an input error");
  static const char json[] =
    "{" NET "\"resources\":[" CLIENT "," VERSIONED ("s", "v1", 1) "," SERVICE ("s") "],"
    "\"timeline\":[{\"at\":\"1s\",\"delete\":{\"kind\":\"VirtualService\",\"name\":\"nope\"}}]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) scenario = ms_scenario_load_data (json, -1, "json", "t.json", ".", &error);
  g_assert_no_error (error);
  g_autoptr (MsWorld) world = ms_world_new (scenario, 1, -1, &error);
  g_assert_null (world);
  g_assert_nonnull (strstr (error->message, "nothing to delete: no VirtualService default/nope"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (match_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mesh/router/match/%s", match_cases[i].name);
      g_test_add_data_func (path, &match_cases[i], test_match);
    }
  g_test_add_func ("/mesh/router/first-match-wins", test_first_match_wins);
  g_test_add_func ("/mesh/router/no-rule-matches", test_no_rule_matches);
  g_test_add_func ("/mesh/router/unknown-subset", test_unknown_subset);
  g_test_add_func ("/mesh/router/weights-split", test_weights_split);
  g_test_add_func ("/mesh/router/abort-never-reaches-server", test_abort_never_reaches_server);
  g_test_add_func ("/mesh/router/delay-outside-timeout", test_delay_outside_timeout);
  g_test_add_func ("/mesh/router/route-timeout", test_route_timeout);
  g_test_add_func ("/mesh/router/per-try-timeout-and-urx", test_per_try_timeout_and_urx);
  g_test_add_func ("/mesh/router/default-policy-by-release", test_default_policy_by_release);
  g_test_add_func ("/mesh/router/connect-failure-retried", test_connect_failure_retried);
  g_test_add_func ("/mesh/router/mirror-does-not-change-result", test_mirror_does_not_change_result);
  g_test_add_func ("/mesh/router/app-timeout-resets-upstream", test_app_timeout_resets_upstream);
  g_test_add_func ("/mesh/router/timeline-apply-and-delete", test_timeline_apply_and_delete);
  g_test_add_func ("/mesh/router/timeline-apply-through-gateway",
                   test_timeline_apply_through_gateway);
  g_test_add_func ("/mesh/router/timeline-delete-missing", test_timeline_delete_missing);
  return g_test_run ();
}
