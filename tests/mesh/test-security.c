/* tests/mesh/test-security.c - mutual TLS modes and AuthorizationPolicy,
 * table-driven.
 *
 * The cluster of Istio's mtls-migration task: namespaces foo and bar with
 * httpbin and sleep (sidecars), and legacy, whose pods have no sidecar.
 * Each row adds resources and sends one request; the expected status is
 * what the Istio docs show (0 where curl reports exit 56).
 */
#include "tests/testutil.h"

#include "sim/io/read.h"

#include <string.h>

#define NS(name, labels)                                                                  \
  "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" name "\"" labels "}}"
#define APP(name, ns, account)                                                            \
  "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" name     \
  "\",\"namespace\":\"" ns "\"},\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"app\":\"" \
  name "\"}},\"spec\":{\"serviceAccountName\":\"" account "\"}}}},"                          \
  "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"" name "\","         \
  "\"namespace\":\"" ns "\"},\"spec\":{\"selector\":{\"app\":\"" name "\"},"                 \
  "\"ports\":[{\"port\":8000,\"targetPort\":80}]}}"
#define CLUSTER                                                                           \
  NS ("foo", "") "," NS ("bar", "") "," NS ("legacy", ",\"labels\":{\"istio-injection\":\"disabled\"}") "," \
  APP ("httpbin", "foo", "httpbin") "," APP ("sleep", "foo", "sleep") ","                   \
  APP ("httpbin", "bar", "httpbin") "," APP ("sleep", "bar", "sleep") ","                   \
  APP ("httpbin", "legacy", "httpbin") "," APP ("sleep", "legacy", "sleep")

#define PA(ns, mode)                                                                      \
  ",{\"apiVersion\":\"security.istio.io/v1\",\"kind\":\"PeerAuthentication\",\"metadata\":" \
  "{\"name\":\"default\",\"namespace\":\"" ns "\"},\"spec\":{\"mtls\":{\"mode\":\"" mode "\"}}}"
#define AP(name, ns, spec)                                                                \
  ",{\"apiVersion\":\"security.istio.io/v1\",\"kind\":\"AuthorizationPolicy\",\"metadata\":" \
  "{\"name\":\"" name "\",\"namespace\":\"" ns "\"},\"spec\":" spec "}"
#define DR_TLS(host, ns, mode)                                                            \
  ",{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"DestinationRule\",\"metadata\":"  \
  "{\"name\":\"tls\",\"namespace\":\"" ns "\"},\"spec\":{\"host\":\"" host "\","            \
  "\"trafficPolicy\":{\"tls\":{\"mode\":\"" mode "\"}}}}"

typedef struct {
  const char *name;
  const char *resources;   /* appended to CLUSTER */
  const char *from;        /* namespace/deployment */
  const char *url;
  const char *headers;     /* JSON object */
  const char *method;
  int status;
  const char *flag;        /* expected flag, or NULL */
} Case;

static const Case cases[] = {
  /* mTLS: the migration task's steps. */
  { "mtls/permissive-legacy-to-foo", "", "legacy/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "mtls/permissive-foo-to-legacy", "", "foo/sleep", "http://httpbin.legacy:8000/ip", "{}", "GET", 200, NULL },
  { "mtls/strict-foo-legacy-refused", PA ("foo", "STRICT"), "legacy/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 0, NULL },
  { "mtls/strict-foo-bar-still-ok", PA ("foo", "STRICT"), "legacy/sleep", "http://httpbin.bar:8000/ip", "{}", "GET", 200, NULL },
  { "mtls/strict-foo-mesh-client-ok", PA ("foo", "STRICT"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "mtls/mesh-wide-strict-bar-refused", PA ("istio-system", "STRICT"), "legacy/sleep", "http://httpbin.bar:8000/ip", "{}", "GET", 0, NULL },
  { "mtls/mesh-wide-strict-to-legacy-ok", PA ("istio-system", "STRICT"), "foo/sleep", "http://httpbin.legacy:8000/ip", "{}", "GET", 200, NULL },
  { "mtls/namespace-overrides-mesh", PA ("istio-system", "STRICT") PA ("bar", "PERMISSIVE"), "legacy/sleep", "http://httpbin.bar:8000/ip", "{}", "GET", 200, NULL },
  { "mtls/workload-selector", ",{\"apiVersion\":\"security.istio.io/v1\",\"kind\":\"PeerAuthentication\",\"metadata\":{\"name\":\"hb\",\"namespace\":\"foo\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"httpbin\"}},\"mtls\":{\"mode\":\"STRICT\"}}}", "legacy/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 0, NULL },
  { "mtls/port-level-permissive", ",{\"apiVersion\":\"security.istio.io/v1\",\"kind\":\"PeerAuthentication\",\"metadata\":{\"name\":\"hb\",\"namespace\":\"foo\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"httpbin\"}},\"mtls\":{\"mode\":\"STRICT\"},\"portLevelMtls\":{\"80\":{\"mode\":\"PERMISSIVE\"}}}}", "legacy/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "mtls/dr-disable-against-strict", PA ("foo", "STRICT") DR_TLS ("httpbin.foo.svc.cluster.local", "bar", "DISABLE"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 503, "UC" },
  { "mtls/dr-istio-mutual-to-no-sidecar", DR_TLS ("httpbin.legacy.svc.cluster.local", "bar", "ISTIO_MUTUAL"), "bar/sleep", "http://httpbin.legacy:8000/ip", "{}", "GET", 503, "UC" },
  /* Authorization: evaluation order. */
  { "authz/no-policy-allows", "", "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "authz/allow-nothing", AP ("allow-nothing", "foo", "{}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 403, NULL },
  { "authz/allow-all-rule", AP ("allow-all", "foo", "{\"rules\":[{}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "authz/deny-wins-over-allow", AP ("allow-all", "foo", "{\"rules\":[{}]}") AP ("deny-get", "foo", "{\"action\":\"DENY\",\"rules\":[{\"to\":[{\"operation\":{\"methods\":[\"GET\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 403, NULL },
  { "authz/deny-not-matching", AP ("deny-post", "foo", "{\"action\":\"DENY\",\"rules\":[{\"to\":[{\"operation\":{\"methods\":[\"POST\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "authz/allow-not-matching-denies", AP ("allow-post", "foo", "{\"rules\":[{\"to\":[{\"operation\":{\"methods\":[\"POST\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 403, NULL },
  { "authz/root-namespace-applies-everywhere", AP ("deny-all", "istio-system", "{\"action\":\"DENY\",\"rules\":[{}]}"), "foo/sleep", "http://httpbin.bar:8000/ip", "{}", "GET", 403, NULL },
  { "authz/other-namespace-not-applied", AP ("allow-nothing", "bar", "{}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "authz/selector-other-workload", AP ("allow-nothing", "foo", "{\"selector\":{\"matchLabels\":{\"app\":\"sleep\"}}}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  /* Authorization: match forms. */
  { "match/principal-exact", AP ("p", "foo", "{\"rules\":[{\"from\":[{\"source\":{\"principals\":[\"cluster.local/ns/bar/sa/sleep\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "match/principal-other", AP ("p", "foo", "{\"rules\":[{\"from\":[{\"source\":{\"principals\":[\"cluster.local/ns/foo/sa/sleep\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 403, NULL },
  { "match/principal-suffix", AP ("p", "foo", "{\"rules\":[{\"from\":[{\"source\":{\"principals\":[\"*/sa/sleep\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "match/principal-needs-mtls", AP ("p", "foo", "{\"rules\":[{\"from\":[{\"source\":{\"principals\":[\"*\"]}}]}]}"), "legacy/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 403, NULL },
  { "match/not-principals-star-denies-plaintext", AP ("d", "foo", "{\"action\":\"DENY\",\"rules\":[{\"from\":[{\"source\":{\"notPrincipals\":[\"*\"]}}]}]}"), "legacy/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 403, NULL },
  { "match/namespaces", AP ("p", "foo", "{\"rules\":[{\"from\":[{\"source\":{\"namespaces\":[\"bar\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "match/not-namespaces", AP ("p", "foo", "{\"rules\":[{\"from\":[{\"source\":{\"notNamespaces\":[\"bar\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 403, NULL },
  { "match/path-prefix", AP ("p", "foo", "{\"rules\":[{\"to\":[{\"operation\":{\"paths\":[\"/i*\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip?x=1", "{}", "GET", 200, NULL },
  { "match/not-paths", AP ("p", "foo", "{\"rules\":[{\"to\":[{\"operation\":{\"notPaths\":[\"/ip\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 403, NULL },
  { "match/ports", AP ("p", "foo", "{\"rules\":[{\"to\":[{\"operation\":{\"ports\":[\"8000\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "match/hosts-suffix", AP ("p", "foo", "{\"rules\":[{\"to\":[{\"operation\":{\"hosts\":[\"*.foo\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 200, NULL },
  { "match/when-header", AP ("p", "foo", "{\"rules\":[{\"when\":[{\"key\":\"request.headers[version]\",\"values\":[\"v1\",\"v2\"]}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{\"version\":\"v2\"}", "GET", 200, NULL },
  { "match/when-header-missing", AP ("p", "foo", "{\"rules\":[{\"when\":[{\"key\":\"request.headers[version]\",\"values\":[\"v1\"]}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 403, NULL },
  { "match/when-source-namespace", AP ("p", "foo", "{\"rules\":[{\"when\":[{\"key\":\"source.namespace\",\"notValues\":[\"bar\"]}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 403, NULL },
  { "match/from-to-when-all-needed", AP ("p", "foo", "{\"rules\":[{\"from\":[{\"source\":{\"namespaces\":[\"bar\"]}}],\"to\":[{\"operation\":{\"methods\":[\"POST\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "GET", 403, NULL },
  { "match/method-post-allowed", AP ("p", "foo", "{\"rules\":[{\"from\":[{\"source\":{\"namespaces\":[\"bar\"]}}],\"to\":[{\"operation\":{\"methods\":[\"POST\"]}}]}]}"), "bar/sleep", "http://httpbin.foo:8000/ip", "{}", "POST", 200, NULL },
};

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *json = g_strdup_printf (
    "{\"network\":{\"latency\":\"1ms\"},\"resources\":[" CLUSTER "%s],"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"%s\",\"request\":{\"method\":\"%s\",\"url\":\"%s\","
    "\"headers\":%s},\"requests\":2}]}",
    c->resources, c->from, c->method, c->url, c->headers);
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_autofree char *path = g_strdup_printf ("traffic.t.status.%d", c->status);
  g_assert_cmpfloat (test_value (&run, path), ==, 2);
  if (c->flag != NULL)
    {
      g_autofree char *flag = g_strdup_printf ("traffic.t.flags.%s", c->flag);
      g_assert_cmpfloat (test_value (&run, flag), ==, 2);
    }
}

static void
test_denied_body (void)
{
  g_test_summary ("A denied request gets 403 with the body \"RBAC: access denied\"");
  static const char json[] =
    "{\"resources\":[" CLUSTER AP ("allow-nothing", "foo", "{}") "],"
    "\"workloads\":{\"foo/sleep\":{\"routes\":[{\"calls\":[{\"name\":\"hb\","
    "\"url\":\"http://httpbin.foo:8000/ip\",\"onError\":\"continue\"}]}]}},"
    "\"traffic\":[{\"name\":\"t\",\"from\":\"outside\",\"request\":{\"url\":\"http://sleep.foo:8000/\"},"
    "\"requests\":1}]}";
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  /* sleep itself is denied too (the policy covers namespace foo). */
  g_assert_cmpfloat (test_value (&run, "traffic.t.status.403"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "services.sleep.foo.status.403"), ==, 1);
}

static void
test_unsupported_action (void)
{
  g_test_summary ("CUSTOM and AUDIT actions are refused with a clear message");
  static const char json[] =
    "{\"resources\":[" CLUSTER AP ("ext", "foo", "{\"action\":\"CUSTOM\",\"provider\":{\"name\":\"x\"}}") "]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) scenario = ms_scenario_load_data (json, -1, "json", "t.json", ".", &error);
  g_assert_no_error (error);
  g_autoptr (MsWorld) world = ms_world_new (scenario, 1, -1, &error);
  g_assert_null (world);
  g_assert_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "action CUSTOM is not supported"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mesh/security/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/mesh/security/denied-body", test_denied_body);
  g_test_add_func ("/mesh/security/unsupported-action", test_unsupported_action);
  return g_test_run ();
}
