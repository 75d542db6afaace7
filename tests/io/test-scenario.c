/* tests/io/test-scenario.c - loading scenarios: what is refused, and how.
 *
 * The heart of this file is a table of malformed scenarios, one test case
 * per row (as in json-glib's tests/invalid.c).  Each row is loaded with
 * ms_scenario_load_data() and, when that succeeds, built with
 * ms_world_new(), because references between parts are only checked once
 * every name is known.  A row names the error domain and code it expects,
 * the "line:column" the message must start with, and up to three fragments
 * the message must contain: a vague message ("invalid value") fails a row
 * as surely as a crash does.  The good-input tests at the end pin down that
 * the same scenario reads the same in JSON and YAML, that manifest files
 * load, and that kinds meshsim does not simulate are warnings, not errors.
 *
 * JSON rows are written with ' for " so that they stay readable; the two
 * have the same length, so positions are unchanged.  None of the rows needs
 * a literal '.
 */
#include "models/world.h"
#include "sim/io/read.h"
#include "sim/io/scenario.h"

#include <glib/gstdio.h>
#include <string.h>

/* ---- Building blocks for rows --------------------------------------------- */

/* A Deployment of one pod labelled app=<name>, and its Service. */
#define DEPLOY(name)                                                                  \
  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'" name "'},"       \
  "'spec':{'template':{'metadata':{'labels':{'app':'" name "'}}}}}"
#define SERVICE(name, port)                                                           \
  "{'apiVersion':'v1','kind':'Service','metadata':{'name':'" name "'},"               \
  "'spec':{'selector':{'app':'" name "'},'ports':[{'port':" #port "}]}}"
#define APP(name) DEPLOY (name) "," SERVICE (name, 80)

/* The end of a scenario object: its resources, on a line of their own after
 * the fields under test, so that positions on line 1 stay short. */
#define RESOURCES(list) ",\n'resources':[" list "]}"

/* A request to web that sends 1 request: the smallest valid traffic. */
#define TRAFFIC_TO_WEB "{'name':'t','request':{'url':'http://web/'},'requests':1}"

#define NODE ms_node_error_quark
#define SCENARIO ms_scenario_error_quark

typedef struct {
  const char *name;           /* the test path below /io/scenario/bad/ */
  const char *format;         /* "json" (with ' for ") or "yaml" */
  const char *text;
  GQuark (*domain) (void);
  int code;
  const char *at;             /* "line:column" after "t.json:", or "" for none */
  const char *words[3];       /* fragments the message must contain */
} BadScenario;

static const BadScenario bad_scenarios[] = {
  /* Not JSON or YAML at all. */
  { "syntax/json-trailing-comma", "json", "{'name': 'x',}",
    NODE, MS_NODE_ERROR_SYNTAX, "1:14", { "trailing commas are not allowed" } },
  { "syntax/json-unclosed", "json", "{'traffic': [",
    NODE, MS_NODE_ERROR_SYNTAX, "1:14", { "found end of input" } },
  { "syntax/json-duplicate-key", "json", "{'seed': 1,\n 'seed': 2}",
    NODE, MS_NODE_ERROR_DUPLICATE, "2:2", { "seed", "line 1" } },
  { "syntax/yaml-bad-indent", "yaml", "name: x\n  seed: 1\n",
    NODE, MS_NODE_ERROR_SYNTAX, "2:7", { "mapping values are not allowed" } },
  { "syntax/yaml-unclosed-flow", "yaml", "traffic: [{name: a}\nseed: 1\n",
    NODE, MS_NODE_ERROR_SYNTAX, "2:1", { "flow sequence at line 1, column 10" } },
  { "syntax/yaml-tab-indent", "yaml", "traffic:\n\t- name: a\n",
    NODE, MS_NODE_ERROR_SYNTAX, "2:1", { "tab" } },
  { "syntax/yaml-two-documents", "yaml", "name: a\n---\nname: b\n",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "3:1", { "one document", "found 2" } },
  { "syntax/yaml-empty", "yaml", "# nothing here\n",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "", { "one document", "found none" } },

  /* The right field with a value of the wrong type. */
  { "type/root-array", "json", "[1, 2]",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:1", { "expected an object, found an array" } },
  { "type/seed-string", "json", "{'seed': 'seven'}",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:10", { "seed: ", "expected a number", "\"seven\"" } },
  { "type/seed-fraction", "json", "{'seed': 1.5}",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:10", { "seed: ", "whole number", "1.5" } },
  { "type/seed-exponent", "json", "{'seed': 1e3}",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:10", { "seed: ", "whole number written out in digits (1000)", "1e3" } },
  { "type/annotation-bool", "yaml",
    "resources:\n"
    "- apiVersion: apps/v1\n"
    "  kind: Deployment\n"
    "  metadata: {name: web}\n"
    "  spec:\n"
    "    template:\n"
    "      metadata:\n"
    "        labels: {app: web}\n"
    "        annotations: {sidecar.istio.io/inject: false}\n",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "9:48", { "annotations[\"sidecar.istio.io/inject\"]: ", "quote it: \"false\"" } },
  { "type/duration-number", "json", "{'duration': 10}",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:14", { "duration: ", "\"10s\"", "the number 10" } },
  { "type/traffic-object", "json", "{'traffic': {'name': 'a'}}",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:13", { "traffic: ", "expected an array, found an object" } },
  { "type/workloads-array", "json", "{'workloads': []}",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:15", { "workloads: ", "expected an object" } },
  { "type/rate-string", "json",
    "{'traffic': [{'name': 'a', 'request': {'url': 'http://web/'}, 'rate': '10'}]}",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:71", { "traffic[0].rate: ", "\"10\"" } },
  { "type/header-number", "json",
    "{'traffic': [{'name': 'a', 'request': {'url': 'http://web/', 'headers': {'x-id': 5}}}]}",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:82", { "traffic[0].request.headers.x-id: ", "a string", "quote it: \"5\"" } },
  { "type/replicas-quoted", "yaml",
    "resources:\n"
    "- apiVersion: apps/v1\n"
    "  kind: Deployment\n"
    "  metadata: {name: web}\n"
    "  spec:\n"
    "    replicas: \"3\"\n"
    "    template: {metadata: {labels: {app: web}}}\n",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "6:15", { "resources[0].spec.replicas: ", "\"3\"" } },
  { "type/label-number", "yaml",
    "resources:\n"
    "- apiVersion: apps/v1\n"
    "  kind: Deployment\n"
    "  metadata: {name: web}\n"
    "  spec:\n"
    "    template: {metadata: {labels: {app: web, version: 2}}}\n",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "6:55", { "labels.version: ", "quote it: \"2\"" } },
  { "type/istio-number", "yaml", "istio: 1.24\n",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:8", { "istio: ", "quote it: \"1.24\"" } },
  { "type/config-map-data", "json",
    "{'resources': [{'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'c'},"
    " 'data': {'nginx.conf': {'server': 1}}}]}",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:108", { "data[\"nginx.conf\"]: ", "expected a string, found an object" } },
  { "type/concurrency-string", "json",
    "{'workloads': {'web': {'concurrency': 'ten'}}" RESOURCES (APP ("web")),
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:39", { "workloads.web.concurrency: ", "\"ten\"" } },
  { "type/timeout-number", "json",
    "{'workloads': {'web': {'routes': [{'calls': [{'url': 'http://api/', 'timeout': 3}]}]}}"
    RESOURCES (APP ("web") "," APP ("api")),
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:80", { "calls[0].timeout: ", "\"3s\"" } },

  /* Fields that do not exist, at every level, with the fix when there is
   * one near enough. */
  { "unknown-field/top", "json", "{'durations': '10s'}",
    SCENARIO, MS_SCENARIO_ERROR_UNKNOWN_FIELD, "1:2", { "'durations'", "did you mean 'duration'?" } },
  { "unknown-field/top-no-guess", "json", "{'xyzzy': 1}",
    SCENARIO, MS_SCENARIO_ERROR_UNKNOWN_FIELD, "1:2", { "'xyzzy'", "expected one of 'name', " } },
  { "unknown-field/traffic", "json",
    "{'traffic': [{'name': 'a', 'duraton': '1s'}]}",
    SCENARIO, MS_SCENARIO_ERROR_UNKNOWN_FIELD, "1:28", { "traffic[0].duraton: ", "did you mean 'duration'?" } },
  { "unknown-field/request", "json",
    "{'traffic': [{'name': 'a', 'request': {'urls': 'http://web/'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_UNKNOWN_FIELD, "1:40", { "traffic[0].request.urls: ", "did you mean 'url'?" } },
  { "unknown-field/workload", "json",
    "{'workloads': {'web': {'concurency': 4}}" RESOURCES (APP ("web")),
    SCENARIO, MS_SCENARIO_ERROR_UNKNOWN_FIELD, "1:24", { "workloads.web.concurency: ", "did you mean 'concurrency'?" } },
  { "unknown-field/route", "json",
    "{'workloads': {'web': {'routes': [{'respone': {'status': 200}}]}}" RESOURCES (APP ("web")),
    SCENARIO, MS_SCENARIO_ERROR_UNKNOWN_FIELD, "1:36", { "routes[0].respone: ", "did you mean 'response'?" } },
  { "unknown-field/call", "json",
    "{'workloads': {'web': {'routes': [{'calls': [{'url': 'http://api/', 'timout': '1s'}]}]}}"
    RESOURCES (APP ("web") "," APP ("api")),
    SCENARIO, MS_SCENARIO_ERROR_UNKNOWN_FIELD, "1:69", { "calls[0].timout: ", "did you mean 'timeout'?" } },
  { "unknown-field/deployment-spec", "yaml",
    "resources:\n"
    "- apiVersion: apps/v1\n"
    "  kind: Deployment\n"
    "  metadata: {name: web}\n"
    "  spec:\n"
    "    replica: 2\n"
    "    template: {metadata: {labels: {app: web}}}\n",
    SCENARIO, MS_SCENARIO_ERROR_UNKNOWN_FIELD, "6:5", { "resources[0].spec.replica: ", "did you mean 'replicas'?" } },
  { "unknown-field/service-port", "json",
    "{'resources': [{'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'web'},\n"
    " 'spec': {'selector': {'app': 'web'}, 'ports': [{'port': 80, 'targetport': 8080}]}}]}",
    SCENARIO, MS_SCENARIO_ERROR_UNKNOWN_FIELD, "2:62", { "ports[0].targetport: ", "did you mean 'targetPort'?" } },
  { "unknown-field/fault", "json", "{'faults': [{'targt': 'web', 'crash': true}]}",
    SCENARIO, MS_SCENARIO_ERROR_UNKNOWN_FIELD, "1:14", { "faults[0].targt: ", "did you mean 'target'?" } },
  { "unknown-field/expect-case", "json", "{'expect': [{'path': 'sim.events', 'atleast': 1}]}",
    SCENARIO, MS_SCENARIO_ERROR_UNKNOWN_FIELD, "1:36", { "expect[0].atleast: ", "did you mean 'atLeast'?" } },

  /* Durations, in Istio's syntax. */
  { "duration/negative", "json", "{'duration': '-5s'}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:14", { "duration: ", "cannot be negative", "\"-5s\"" } },
  { "duration/no-unit", "json", "{'duration': '10'}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:14", { "duration: ", "has no unit", "\"10s\"" } },
  { "duration/bad-unit", "json", "{'duration': '1x'}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:14", { "duration: ", "unknown unit", "\"1x\"" } },
  { "duration/not-a-duration", "json", "{'duration': 'soon'}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:14", { "duration: ", "\"250ms\"", "\"soon\"" } },
  { "duration/zero", "json", "{'duration': '0s'}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:14", { "duration: ", "0s simulates nothing", "omit 'duration'" } },
  { "duration/too-long", "json", "{'duration': '1000000h'}",
    SCENARIO, MS_SCENARIO_ERROR_TOO_LARGE, "1:14", { "duration: ", "too long" } },
  { "duration/traffic-zero", "json",
    "{'traffic': [{'name': 'a', 'request': {'url': 'http://web/'}, 'rate': 5, 'duration': '0s'}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:86", { "traffic[0].duration: ", "0s" } },
  { "duration/fault-zero", "json", "{'faults': [{'at': '1s', 'for': '0s', 'target': 'web', 'crash': true}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:33", { "faults[0].for: ", "does nothing" } },
  { "duration/latency-mixed", "json", "{'network': {'latency': {'dist': 'fixed', 'mean': '1ms'}}}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:51", { "network.latency.mean: ", "takes 'value'" } },
  { "duration/latency-p99-below-p50", "json",
    "{'network': {'latency': {'dist': 'lognormal', 'p50': '10ms', 'p99': '1ms'}}}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:69", { "network.latency.p99: ", "below p50" } },
  { "duration/latency-dist-typo", "json", "{'network': {'latency': {'dist': 'exponental', 'mean': '1ms'}}}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:34", { "network.latency.dist: ", "did you mean \"exponential\"?" } },

  /* Names that do not resolve, checked when the world is built. */
  { "reference/workload-deployment", "json",
    "{'workloads': {'fronted': {}}" RESOURCES (APP ("frontend")),
    SCENARIO, MS_SCENARIO_ERROR_REFERENCE, "1:27", { "workloads.fronted: ", "did you mean \"frontend\"?" } },
  { "reference/model-unknown", "json",
    "{'workloads': {'web': {'model': 'htp'}}" RESOURCES (APP ("web")),
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:33", { "workloads.web.model: ", "\"htp\"", "did you mean \"http\"?" } },
  { "reference/saga-default-services", "json",
    "{'workloads': {'web': {'model': 'saga-orchestrator'}}" RESOURCES (APP ("web")),
    SCENARIO, MS_SCENARIO_ERROR_REFERENCE, "1:33", { "workloads.web.model: ", "user-service", "default saga" } },
  { "reference/service-no-pods", "json",
    "{'resources': [" DEPLOY ("web") ",\n"
    "{'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'ghost'},"
    " 'spec': {'selector': {'app': 'ghost'}, 'ports': [{'port': 80}]}}]}",
    SCENARIO, MS_SCENARIO_ERROR_REFERENCE, "2:1", { "resources[1]: ", "Service ghost", "no pods" } },
  { "reference/call-host", "json",
    "{'workloads': {'web': {'routes': [{'calls': [{'url': 'http://bakend/'}]}]}}"
    RESOURCES (APP ("web") "," APP ("backend")),
    SCENARIO, MS_SCENARIO_ERROR_REFERENCE, "1:54", { "calls[0].url: ", "\"bakend\"", "did you mean \"backend\"?" } },
  { "reference/call-port", "json",
    "{'workloads': {'web': {'routes': [{'calls': [{'url': 'http://backend:81/x'}]}]}}"
    RESOURCES (APP ("web") "," APP ("backend")),
    SCENARIO, MS_SCENARIO_ERROR_REFERENCE, "1:54", { "calls[0].url: ", "no port 81", "\"http://backend:80/x\"" } },
  { "reference/traffic-from", "json",
    "{'traffic': [{'name': 'a', 'from': 'wbe', 'request': {'url': 'http://web/'}, 'requests': 1}]"
    RESOURCES (APP ("web")),
    SCENARIO, MS_SCENARIO_ERROR_REFERENCE, "1:36", { "traffic[0].from: ", "\"wbe\"", "did you mean \"web\"?" } },
  { "reference/traffic-host-namespace", "json",
    "{'traffic': [{'name': 'a', 'from': 'outside', 'request': {'url': 'http://web.prod/'}, 'requests': 1}]"
    RESOURCES (APP ("web")),
    SCENARIO, MS_SCENARIO_ERROR_REFERENCE, "1:66", { "request.url: ", "no Service \"web.prod\"", "outside the cluster" } },
  { "reference/fault-target", "json",
    "{'faults': [{'target': 'bakend', 'crash': true}]" RESOURCES (APP ("backend")),
    SCENARIO, MS_SCENARIO_ERROR_REFERENCE, "1:24", { "faults[0].target: ", "not a pod, Deployment or Service", "did you mean \"backend\"?" } },
  { "reference/timeline-scale", "json",
    "{'timeline': [{'at': '1s', 'scale': {'deployment': 'wbe', 'replicas': 2}}]" RESOURCES (APP ("web")),
    SCENARIO, MS_SCENARIO_ERROR_REFERENCE, "1:52", { "scale.deployment: ", "\"wbe\"", "did you mean \"web\"?" } },
  { "reference/manifest-missing", "json", "{'manifests': ['missing.yaml']}",
    SCENARIO, MS_SCENARIO_ERROR_REFERENCE, "1:16", { "cannot read manifest \"missing.yaml\"", "no file /nonexistent-meshsim-dir/missing.yaml", "relative to the scenario" } },

  /* Calls that would call themselves forever. */
  { "cycle/two-services", "json",
    "{'workloads': {'a': {'routes': [{'calls': [{'url': 'http://b/'}]}]},\n"
    "               'b': {'routes': [{'calls': [{'url': 'http://a/'}]}]}}"
    RESOURCES (APP ("a") "," APP ("b")),
    SCENARIO, MS_SCENARIO_ERROR_CYCLE, "1:33", { "calls form a cycle", "a (any path) -> b (any path) -> a" } },
  { "cycle/self", "json",
    "{'workloads': {'web': {'routes': [{'match': {'prefix': '/'}, 'calls': [{'url': 'http://web/'}]}]}}"
    RESOURCES (APP ("web")),
    SCENARIO, MS_SCENARIO_ERROR_CYCLE, "1:35", { "workloads.web.routes[0]: ", "calls form a cycle", "web / -> web /" } },

  /* How much traffic. */
  { "traffic/rate-and-connections", "json",
    "{'traffic': [{'name': 'a', 'request': {'url': 'http://web/'}, 'rate': 5, 'connections': 2}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:14", { "traffic[0]: ", "either 'rate'", "not both" } },
  { "traffic/no-amount", "json", "{'traffic': [{'name': 'a', 'request': {'url': 'http://web/'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_MISSING, "1:14", { "traffic[0]: ", "say how much traffic" } },
  { "traffic/rate-zero", "json",
    "{'duration': '1s', 'traffic': [{'name': 'a', 'request': {'url': 'http://web/'}, 'rate': 0}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:89", { "traffic[0].rate: ", "above 0" } },
  { "traffic/open-loop-no-end", "json",
    "{'traffic': [{'name': 'a', 'request': {'url': 'http://web/'}, 'rate': 5}]}",
    SCENARIO, MS_SCENARIO_ERROR_MISSING, "1:14", { "traffic[0]: ", "needs an end" } },
  { "traffic/duplicate-name", "json",
    "{'traffic': [" TRAFFIC_TO_WEB ",\n" TRAFFIC_TO_WEB "]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "2:9", { "traffic[1].name: ", "\"t\" is used twice", "line 1" } },
  { "traffic/method-typo", "json",
    "{'traffic': [{'name': 'a', 'request': {'method': 'GETT', 'url': 'http://web/'}, 'requests': 1}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:50", { "request.method: ", "did you mean \"GET\"?" } },
  { "traffic/missing-url", "json", "{'traffic': [{'name': 'a', 'request': {}, 'requests': 1}]}",
    SCENARIO, MS_SCENARIO_ERROR_MISSING, "1:39", { "traffic[0].request: ", "missing required field 'url'" } },
  { "traffic/from-zero-replicas", "yaml",
    "traffic:\n"
    "- {name: a, from: web, request: {url: 'http://web/'}, requests: 1}\n"
    "resources:\n"
    "- apiVersion: apps/v1\n"
    "  kind: Deployment\n"
    "  metadata: {name: web}\n"
    "  spec: {replicas: 0, template: {metadata: {labels: {app: web}}}}\n",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "2:19", { "traffic[0].from: ", "0 replicas" } },

  /* URLs. */
  { "url/https", "json", "{'traffic': [{'name': 'a', 'request': {'url': 'https://web/x'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_UNSUPPORTED, "1:47", { "request.url: ", "mTLS", "\"http://web/x\"" } },
  { "url/other-scheme", "json", "{'traffic': [{'name': 'a', 'request': {'url': 'ftp://web/'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:47", { "request.url: ", "only http://", "\"ftp://web/\"" } },
  { "url/port-range", "json", "{'traffic': [{'name': 'a', 'request': {'url': 'http://web:99999/'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:47", { "request.url: ", "from 1 to 65535" } },
  { "url/no-host", "json", "{'traffic': [{'name': 'a', 'request': {'url': 'http:///x'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:47", { "request.url: ", "has no host" } },
  { "url/bad-host", "json", "{'traffic': [{'name': 'a', 'request': {'url': 'http://web_1/'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:47", { "request.url: ", "'_'" } },

  /* Sizes far beyond what a scenario means. */
  { "too-large/rate", "json",
    "{'traffic': [{'name': 'a', 'request': {'url': 'http://web/'}, 'rate': 1e9, 'duration': '1s'}]}",
    SCENARIO, MS_SCENARIO_ERROR_TOO_LARGE, "1:71", { "traffic[0].rate: ", "1e9 is beyond meshsim's limit" } },
  { "too-large/requests", "json",
    "{'traffic': [{'name': 'a', 'request': {'url': 'http://web/'}, 'requests': 1e12}]}",
    SCENARIO, MS_SCENARIO_ERROR_TOO_LARGE, "1:75", { "traffic[0].requests: ", "1e12 is beyond meshsim's limit" } },
  { "too-large/connections", "json",
    "{'traffic': [{'name': 'a', 'request': {'url': 'http://web/'}, 'connections': 1000000, 'requests': 5}]}",
    SCENARIO, MS_SCENARIO_ERROR_TOO_LARGE, "1:78", { "traffic[0].connections: ", "1000000 is beyond meshsim's limit" } },
  { "too-large/replicas", "yaml",
    "resources:\n"
    "- apiVersion: apps/v1\n"
    "  kind: Deployment\n"
    "  metadata: {name: web}\n"
    "  spec: {replicas: 100000, template: {metadata: {labels: {app: web}}}}\n",
    SCENARIO, MS_SCENARIO_ERROR_TOO_LARGE, "5:20", { "resources[0].spec.replicas: ", "100000 is beyond meshsim's limit" } },
  { "too-large/scale-replicas", "json",
    "{'timeline': [{'at': '1s', 'scale': {'deployment': 'web', 'replicas': 5000}}]}",
    SCENARIO, MS_SCENARIO_ERROR_TOO_LARGE, "1:71", { "scale.replicas: ", "5000 is beyond meshsim's limit" } },
  { "too-large/headers", "json",
    "{'traffic': [{'name': 'a', 'request': {'url': 'http://web/', 'headers': {'a': '', 'b': '',"
    " 'c': '', 'd': '', 'e': '', 'f': '', 'g': '', 'h': '', 'i': '', 'j': '', 'k': '', 'l': '',"
    " 'm': ''}}, 'requests': 1}]}",
    SCENARIO, MS_SCENARIO_ERROR_TOO_LARGE, "1:73", { "request.headers: ", "at most 12", "found 13" } },

  /* Right type, impossible value. */
  { "value/seed-negative", "json", "{'seed': -1}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:10", { "seed: ", "at least 0", "-1" } },
  { "value/seed-huge", "json", "{'seed': 99999999999999999999}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:10", { "seed: ", "at least 0", "found 99999999999999999999" } },
  { "value/fraction", "json",
    "{'faults': [{'target': 'web', 'error': {'status': 503, 'fraction': 1.5}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:68", { "faults[0].error.fraction: ", "from 0 to 1", "1.5" } },
  { "value/status-99", "json",
    "{'workloads': {'web': {'routes': [{'response': {'status': 99}}]}}" RESOURCES (APP ("web")),
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:59", { "routes[0].response.status: ", "from 100 to 599", "99" } },
  { "value/status-600", "json",
    "{'faults': [{'target': 'web', 'error': {'status': 600}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:51", { "faults[0].error.status: ", "to 599", "600" } },
  { "value/istio-release", "json", "{'istio': '1.9'}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:11", { "istio: ", "\"1.9\"", "\"" MS_ISTIO_DEFAULT "\"" } },
  { "value/regex", "json",
    "{'workloads': {'web': {'routes': [{'match': {'regex': '/a(b'}}]}}" RESOURCES (APP ("web")),
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:55", { "match.regex: ", "invalid regular expression" } },

  /* Expectations. */
  { "expect/two-bounds", "json", "{'expect': [{'path': 'sim.events', 'atLeast': 1, 'atMost': 9}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:13", { "expect[0]: ", "exactly one bound", "found 2" } },
  { "expect/no-bound", "json", "{'expect': [{'path': 'sim.events'}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:13", { "expect[0]: ", "exactly one bound", "found 0" } },
  { "expect/null-bound", "json", "{'expect': [{'path': 'sim.events', 'equals': null}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:13", { "expect[0]: ", "exactly one bound", "found 0" } },
  { "expect/ratio-one-path", "json", "{'expect': [{'ratio': ['sim.events'], 'atLeast': 1}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:23", { "expect[0].ratio: ", "two paths", "found 1" } },
  { "expect/path-and-ratio", "json",
    "{'expect': [{'path': 'a', 'ratio': ['b', 'c'], 'atLeast': 1}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:13", { "expect[0]: ", "exactly one of 'path'" } },
  { "expect/between-reversed", "json", "{'expect': [{'path': 'sim.events', 'between': [5, 1]}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:47", { "expect[0].between: ", "low 5 above high 1" } },
  { "expect/between-strings", "json", "{'expect': [{'path': 'sim.events', 'between': ['1', '5']}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:47", { "expect[0].between: ", "two numbers" } },

  /* Faults and the timeline. */
  { "fault/two-effects", "json",
    "{'faults': [{'target': 'web', 'crash': true, 'error': {'status': 503}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:13", { "faults[0]: ", "exactly one of", "found 2" } },
  { "fault/no-effect", "json", "{'faults': [{'target': 'web'}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:13", { "faults[0]: ", "exactly one of", "found 0" } },
  { "fault/no-target", "json", "{'faults': [{'crash': true}]}",
    SCENARIO, MS_SCENARIO_ERROR_MISSING, "1:13", { "faults[0]: ", "missing required field 'target'" } },
  { "timeline/two-actions", "json",
    "{'timeline': [{'at': '1s', 'scale': {'deployment': 'web', 'replicas': 2},"
    " 'delete': {'kind': 'VirtualService', 'name': 'web'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:15", { "timeline[0]: ", "exactly one of 'apply', 'delete' or 'scale'" } },
  { "timeline/apply-deployment", "json",
    "{'timeline': [{'at': '1s', 'apply': " DEPLOY ("web") "}]}",
    SCENARIO, MS_SCENARIO_ERROR_UNSUPPORTED, "1:37", { "timeline[0].apply: ", "not simulated", "\"scale\"" } },
  { "timeline/apply-istio-version", "json",
    "{'timeline': [{'at': '1s', 'apply': {'apiVersion': 'apps/v1', 'kind': 'VirtualService',"
    " 'metadata': {'name': 'web'}}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:52", { "apply.apiVersion: ", "networking.istio.io/v1" } },

  /* Kubernetes and Istio resources. */
  { "resource/kind-typo", "json",
    "{'resources': [{'apiVersion': 'apps/v1', 'kind': 'Deploymnet', 'metadata': {'name': 'web'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:50", { "resources[0].kind: ", "\"Deploymnet\"", "did you mean \"Deployment\"?" } },
  { "resource/kind-plural", "json",
    "{'resources': [{'apiVersion': 'apps/v1', 'kind': 'Deployments', 'metadata': {'name': 'web'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:50", { "resources[0].kind: ", "did you mean \"Deployment\"?" } },
  { "resource/kind-missing", "json", "{'resources': [{'apiVersion': 'v1', 'metadata': {'name': 'web'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_MISSING, "1:16", { "resources[0]: ", "missing required field 'kind'" } },
  { "resource/not-an-object", "json", "{'resources': [5]}",
    SCENARIO, MS_SCENARIO_ERROR_TYPE, "1:16", { "resources[0]: ", "expected an object" } },
  { "resource/istio-api-version", "json",
    "{'resources': [{'apiVersion': 'apps/v1', 'kind': 'VirtualService', 'metadata': {'name': 'web'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:31", { "resources[0].apiVersion: ", "\"apps/v1\"", "networking.istio.io/v1" } },
  { "resource/duplicate-deployment", "json",
    "{'resources': [" DEPLOY ("web") ",\n" DEPLOY ("web") "]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "2:1", { "resources[1]: ", "default/web is defined twice", "first at t.json:1" } },
  { "resource/bad-name", "json",
    "{'resources': [{'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'Web_1'}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:79", { "metadata.name: ", "\"Web_1\" is not a valid name" } },
  { "resource/no-labels", "json",
    "{'resources': [{'apiVersion': 'apps/v1', 'kind': 'Deployment', 'metadata': {'name': 'web'},"
    " 'spec': {'template': {}}}]}",
    SCENARIO, MS_SCENARIO_ERROR_MISSING, "1:114", { "spec.template: ", "no labels", "{app: web}" } },
  { "resource/selector-mismatch", "yaml",
    "resources:\n"
    "- apiVersion: apps/v1\n"
    "  kind: Deployment\n"
    "  metadata: {name: web}\n"
    "  spec:\n"
    "    selector: {matchLabels: {app: api}}\n"
    "    template: {metadata: {labels: {app: web}}}\n",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "6:15", { "spec.selector: ", "does not match the template labels" } },
  { "resource/service-no-ports", "json",
    "{'resources': [{'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'web'},"
    " 'spec': {'selector': {'app': 'web'}, 'ports': []}}]}",
    SCENARIO, MS_SCENARIO_ERROR_VALUE, "1:131", { "spec.ports: ", "at least one port" } },
};

/* ---- Running one row ------------------------------------------------------ */

/* Loads a row's text and, when that succeeds, builds its world.  Returns the
 * error from whichever step failed, or NULL. */
static GError *
load_and_build (const char *text, const char *format)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *input = g_strdup (text);
  if (g_str_equal (format, "json"))
    g_strdelimit (input, "'", '"');

  g_autoptr (MsScenario) scenario =
    ms_scenario_load_data (input, -1, format, "t.json", "/nonexistent-meshsim-dir", &error);
  if (scenario == NULL)
    {
      g_assert_nonnull (error);
      return g_steal_pointer (&error);
    }
  g_assert_no_error (error);
  g_autoptr (MsWorld) world = ms_world_new (scenario, scenario->seed, -1, &error);
  if (world == NULL)
    g_assert_nonnull (error);
  else
    g_assert_no_error (error);
  return g_steal_pointer (&error);
}

/* TRUE when text starts with "t.json:LINE:COLUMN: ". */
static gboolean
has_position (const char *text)
{
  return g_regex_match_simple ("^t\\.json:[0-9]+:[0-9]+: ", text, 0, 0);
}

static void
test_bad_scenario (gconstpointer data)
{
  const BadScenario *row = data;
  g_test_summary ("A malformed scenario is refused with the expected error code, a "
                  "position and a message that names the problem");

  g_autoptr (GError) error = load_and_build (row->text, row->format);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, row->domain (), row->code);

  /* Every message from a node carries its place; both parsers and
   * ms_read_fail() use the same "file:line:column: " prefix. */
  if (row->at[0] == '\0')
    {
      g_assert_true (g_str_has_prefix (error->message, "t.json: "));
      g_assert_true (!has_position (error->message));
    }
  else
    {
      g_autofree char *prefix = g_strdup_printf ("t.json:%s: ", row->at);
      g_assert_true (has_position (error->message));
      if (!g_str_has_prefix (error->message, prefix))
        g_test_message ("expected the message to start with \"%s\"", prefix);
      g_assert_true (g_str_has_prefix (error->message, prefix));
    }

  for (guint i = 0; i < G_N_ELEMENTS (row->words) && row->words[i] != NULL; i++)
    {
      if (strstr (error->message, row->words[i]) == NULL)
        g_test_message ("expected the message to contain \"%s\"", row->words[i]);
      g_assert_nonnull (strstr (error->message, row->words[i]));
    }
}

/* ---- Good input ----------------------------------------------------------- */

/* Loads and builds text, which must be valid.  (transfer full) */
static MsScenario *
load_ok (const char *text, const char *format, const char *base_dir)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *input = g_strdup (text);
  if (g_str_equal (format, "json"))
    g_strdelimit (input, "'", '"');
  g_autoptr (MsScenario) scenario =
    ms_scenario_load_data (input, -1, format, "t.json", base_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (scenario);
  g_autoptr (MsWorld) world = ms_world_new (scenario, scenario->seed, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (world);
  return g_steal_pointer (&scenario);
}

static void
test_minimal (void)
{
  g_test_summary ("The smallest useful scenario loads, with the documented defaults");
  g_autoptr (MsScenario) s = load_ok ("{'traffic': [" TRAFFIC_TO_WEB "]" RESOURCES (APP ("web")),
                                      "json", ".");
  g_assert_cmpstr (s->name, ==, "t");
  g_assert_cmpuint (s->seed, ==, 1);
  g_assert_cmpint (s->duration, ==, -1);
  g_assert_cmpstr (s->istio, ==, MS_ISTIO_DEFAULT);
  g_assert_cmpuint (s->warnings->len, ==, 0);

  g_assert_cmpuint (s->deployments->len, ==, 1);
  const MsDeploymentConfig *d = s->deployments->pdata[0];
  g_assert_cmpstr (d->name, ==, "web");
  g_assert_cmpstr (d->namespace_, ==, "default");
  g_assert_cmpint (d->replicas, ==, 1);
  g_assert_cmpstr (d->service_account, ==, "default");
  g_assert_true (d->sidecar);

  g_assert_cmpuint (s->traffic->len, ==, 1);
  const MsTrafficConfig *t = s->traffic->pdata[0];
  g_assert_cmpstr (t->from, ==, "ingress");
  g_assert_cmpstr (t->method, ==, "GET");
  g_assert_cmpint (t->mode, ==, MS_TRAFFIC_CLOSED);
  g_assert_cmpint (t->connections, ==, 1);
  g_assert_cmpint (t->requests, ==, 1);
  g_assert_cmpstr (t->url.host, ==, "web");
  g_assert_cmpint (t->url.port, ==, 0);
  g_assert_cmpstr (t->url.path, ==, "/");
}

/* The same scenario twice: the YAML a Kubernetes user writes, and JSON. */
static const char same_json[] =
  "{'name': 'same', 'seed': 7, 'duration': '1m30s', 'istio': '1.22',\n"
  " 'resources': [\n"
  "  {'apiVersion': 'apps/v1', 'kind': 'Deployment', 'metadata': {'name': 'web'},\n"
  "   'spec': {'replicas': 3, 'template': {'metadata': {'labels': {'app': 'web', 'version': 'v2'}}}}},\n"
  "  {'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'web'},\n"
  "   'spec': {'selector': {'app': 'web'}, 'ports': [{'port': 8080, 'targetPort': 9080}]}}],\n"
  " 'traffic': [{'name': 'users', 'request': {'method': 'POST', 'url': 'http://web:8080/a?b=1',\n"
  "              'headers': {'End-User': 'jason'}}, 'rate': 12.5, 'start': '1.5s'}],\n"
  " 'expect': [{'path': 'traffic.users.completed', 'between': [1, 2000]}]}";

static void
test_yaml_equals_json (void)
{
  g_test_summary ("A scenario written in YAML reads exactly as the same one in JSON");
  static const char yaml[] =
    "name: same\n"
    "seed: 7\n"
    "duration: 1m30s\n"
    "istio: \"1.22\"\n"
    "resources:\n"
    "- apiVersion: apps/v1\n"
    "  kind: Deployment\n"
    "  metadata:\n"
    "    name: web\n"
    "  spec:\n"
    "    replicas: 3\n"
    "    template:\n"
    "      metadata:\n"
    "        labels:\n"
    "          app: web\n"
    "          version: v2\n"
    "- apiVersion: v1\n"
    "  kind: Service\n"
    "  metadata: {name: web}\n"
    "  spec:\n"
    "    selector: {app: web}\n"
    "    ports:\n"
    "    - port: 8080\n"
    "      targetPort: 9080\n"
    "traffic:\n"
    "- name: users\n"
    "  request:\n"
    "    method: POST\n"
    "    url: http://web:8080/a?b=1\n"
    "    headers:\n"
    "      End-User: jason\n"
    "  rate: 12.5\n"
    "  start: 1.5s\n"
    "expect:\n"
    "- path: traffic.users.completed\n"
    "  between: [1, 2000]\n";
  g_autoptr (MsScenario) a = load_ok (same_json, "json", ".");
  g_autoptr (MsScenario) b = load_ok (yaml, "yaml", ".");

  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpuint (a->seed, ==, 7);
  g_assert_cmpuint (b->seed, ==, 7);
  g_assert_cmpint (a->duration, ==, MS_SEC (90));
  g_assert_cmpint (b->duration, ==, MS_SEC (90));
  g_assert_cmpstr (a->istio, ==, "1.22");
  g_assert_cmpstr (b->istio, ==, "1.22");

  g_assert_cmpuint (a->deployments->len, ==, 1);
  g_assert_cmpuint (b->deployments->len, ==, 1);
  const MsDeploymentConfig *da = a->deployments->pdata[0], *db = b->deployments->pdata[0];
  g_assert_cmpstr (da->name, ==, db->name);
  g_assert_cmpint (da->replicas, ==, 3);
  g_assert_cmpint (db->replicas, ==, 3);
  g_assert_cmpuint (da->labels.n, ==, 2);
  g_assert_cmpuint (db->labels.n, ==, 2);
  g_assert_cmpstr (ms_labels_get (&da->labels, "version"), ==, "v2");
  g_assert_cmpstr (ms_labels_get (&db->labels, "version"), ==, "v2");

  g_assert_cmpuint (a->services->len, ==, 1);
  g_assert_cmpuint (b->services->len, ==, 1);
  const MsServiceConfig *sa = a->services->pdata[0], *sb = b->services->pdata[0];
  g_assert_cmpuint (sa->ports->len, ==, 1);
  g_assert_cmpuint (sb->ports->len, ==, 1);
  g_assert_cmpint (g_array_index (sa->ports, MsServicePort, 0).port, ==, 8080);
  g_assert_cmpint (g_array_index (sb->ports, MsServicePort, 0).port, ==, 8080);
  g_assert_cmpint (g_array_index (sa->ports, MsServicePort, 0).target_port, ==, 9080);
  g_assert_cmpint (g_array_index (sb->ports, MsServicePort, 0).target_port, ==, 9080);

  g_assert_cmpuint (a->traffic->len, ==, 1);
  g_assert_cmpuint (b->traffic->len, ==, 1);
  const MsTrafficConfig *ta = a->traffic->pdata[0], *tb = b->traffic->pdata[0];
  g_assert_cmpstr (ta->name, ==, tb->name);
  g_assert_cmpint (ta->mode, ==, MS_TRAFFIC_OPEN);
  g_assert_cmpint (tb->mode, ==, MS_TRAFFIC_OPEN);
  g_assert_cmpfloat (ta->rate, ==, 12.5);
  g_assert_cmpfloat (tb->rate, ==, 12.5);
  g_assert_cmpint (ta->start, ==, MS_MSEC (1500));
  g_assert_cmpint (tb->start, ==, MS_MSEC (1500));
  g_assert_true (ta->method == tb->method);   /* interned */
  g_assert_cmpstr (ta->method, ==, "POST");
  g_assert_true (ta->url.host == tb->url.host);
  g_assert_cmpint (ta->url.port, ==, tb->url.port);
  g_assert_cmpstr (ta->url.path, ==, "/a?b=1");
  g_assert_true (ta->url.path == tb->url.path);
  g_assert_cmpstr (ms_labels_get (&ta->headers, "end-user"), ==, "jason");
  g_assert_cmpstr (ms_labels_get (&tb->headers, "end-user"), ==, "jason");

  g_assert_cmpuint (a->expect->len, ==, 1);
  g_assert_cmpuint (b->expect->len, ==, 1);
  const MsExpectConfig *ea = a->expect->pdata[0], *eb = b->expect->pdata[0];
  g_assert_cmpint (ea->op, ==, MS_EXPECT_BETWEEN);
  g_assert_cmpint (eb->op, ==, MS_EXPECT_BETWEEN);
  g_assert_cmpfloat (ea->low, ==, eb->low);
  g_assert_cmpfloat (ea->high, ==, eb->high);
}

/* A temporary directory, removed with what was written into it. */
typedef struct {
  char *dir;
  GPtrArray *files;   /* paths, char * */
} TempDir;

static void
temp_dir_set_up (TempDir *t, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) error = NULL;
  t->dir = g_dir_make_tmp ("meshsim-scenario-XXXXXX", &error);
  g_assert_no_error (error);
  t->files = g_ptr_array_new_with_free_func (g_free);
}

static void
temp_dir_tear_down (TempDir *t, gconstpointer data)
{
  (void) data;
  for (guint i = 0; i < t->files->len; i++)
    g_assert_cmpint (g_remove (t->files->pdata[i]), ==, 0);
  g_assert_cmpint (g_rmdir (t->dir), ==, 0);
  g_ptr_array_unref (t->files);
  g_free (t->dir);
}

/* Writes name in the directory and returns its path (transfer none). */
static const char *
temp_dir_write (TempDir *t, const char *name, const char *contents)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (t->dir, name, NULL);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_ptr_array_add (t->files, path);
  return path;
}

/* A manifest as `kubectl apply -f` takes it, with an HPA meshsim ignores. */
static const char manifest_yaml[] =
  "apiVersion: apps/v1\n"
  "kind: Deployment\n"
  "metadata:\n"
  "  name: web\n"
  "spec:\n"
  "  replicas: 2\n"
  "  selector:\n"
  "    matchLabels: {app: web}\n"
  "  template:\n"
  "    metadata:\n"
  "      labels: {app: web, version: v1}\n"
  "---\n"
  "apiVersion: v1\n"
  "kind: Service\n"
  "metadata:\n"
  "  name: web\n"
  "spec:\n"
  "  selector: {app: web}\n"
  "  ports:\n"
  "  - port: 80\n"
  "---\n"
  "apiVersion: autoscaling/v2\n"
  "kind: HorizontalPodAutoscaler\n"
  "metadata:\n"
  "  name: web\n"
  "spec:\n"
  "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
  "  minReplicas: 2\n"
  "  maxReplicas: 5\n";

static void
test_manifests (TempDir *t, gconstpointer data)
{
  (void) data;
  g_test_summary ("Manifest files load relative to the scenario, with every document, and "
                  "a kind meshsim does not simulate is a warning naming its place");
  const char *manifest = temp_dir_write (t, "app.yaml", manifest_yaml);

  /* From text, with base_dir naming the directory. */
  g_autoptr (MsScenario) s =
    load_ok ("{'manifests': ['app.yaml'], 'traffic': [" TRAFFIC_TO_WEB "]}", "json", t->dir);
  g_assert_cmpuint (s->deployments->len, ==, 1);
  g_assert_cmpuint (s->services->len, ==, 1);
  g_assert_cmpint (((MsDeploymentConfig *) s->deployments->pdata[0])->replicas, ==, 2);
  g_assert_cmpuint (s->warnings->len, ==, 1);
  const char *warning = s->warnings->pdata[0];
  g_autofree char *where = g_strdup_printf ("%s:22:1: ", manifest);
  g_test_message ("%s", warning);
  g_assert_true (g_str_has_prefix (warning, where));
  g_assert_nonnull (strstr (warning, "HorizontalPodAutoscaler"));
  g_assert_nonnull (strstr (warning, "ignored"));

  /* From a file, whose directory is the base. */
  const char *path = temp_dir_write (t, "scenario.yaml",
                                     "manifests: [app.yaml]\n"
                                     "traffic: [{name: t, request: {url: 'http://web/'}, requests: 1}]\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) from_file = ms_scenario_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (from_file);
  g_assert_cmpstr (from_file->name, ==, "scenario");
  g_assert_cmpuint (from_file->deployments->len, ==, 1);
  g_assert_cmpuint (from_file->warnings->len, ==, 1);
}

static void
test_manifest_error_position (TempDir *t, gconstpointer data)
{
  (void) data;
  g_test_summary ("An error inside a manifest file points into that file, not the scenario");
  const char *manifest = temp_dir_write (t, "bad.yaml",
                                         "apiVersion: apps/v1\n"
                                         "kind: Deployment\n"
                                         "metadata: {name: web}\n"
                                         "spec:\n"
                                         "  replica: 2\n"
                                         "  template: {metadata: {labels: {app: web}}}\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) s = ms_scenario_load_data ("{\"manifests\": [\"bad.yaml\"]}", -1, "json",
                                                    "t.json", t->dir, &error);
  g_assert_null (s);
  g_assert_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_UNKNOWN_FIELD);
  g_test_message ("%s", error->message);
  g_autofree char *where = g_strdup_printf ("%s:5:3: spec.replica: ", manifest);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_assert_nonnull (strstr (error->message, "did you mean 'replicas'?"));

  /* Syntax errors in a manifest keep their own domain and place. */
  g_clear_error (&error);
  const char *broken = temp_dir_write (t, "broken.yaml", "kind: [Deployment\n");
  g_autoptr (MsScenario) s2 = ms_scenario_load_data ("{\"manifests\": [\"broken.yaml\"]}", -1,
                                                     "json", "t.json", t->dir, &error);
  g_assert_null (s2);
  g_assert_error (error, MS_NODE_ERROR, MS_NODE_ERROR_SYNTAX);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, broken));
}

static void
test_unknown_kind_warns (void)
{
  g_test_summary ("A kind meshsim does not simulate is a warning, not an error, even when "
                  "its name starts with one meshsim knows");
  g_autoptr (MsScenario) s = load_ok (
    "{'traffic': [" TRAFFIC_TO_WEB "],\n"
    "'resources': [" APP ("web") ",\n"
    "{'apiVersion': 'policy/v1', 'kind': 'PodDisruptionBudget', 'metadata': {'name': 'web'}},\n"
    "{'apiVersion': 'monitoring.coreos.com/v1', 'kind': 'ServiceMonitor', 'metadata': {'name': 'web'}},\n"
    "{'apiVersion': 'gateway.networking.k8s.io/v1', 'kind': 'GatewayClass', 'metadata': {'name': 'istio'}},\n"
    "{'apiVersion': 'gateway.networking.k8s.io/v1', 'kind': 'Gateway', 'metadata': {'name': 'web'}}]}",
    "json", ".");
  g_assert_cmpuint (s->warnings->len, ==, 4);
  static const char *const expected[] = {
    "t.json:3:1: kind PodDisruptionBudget (policy/v1)",
    "t.json:4:1: kind ServiceMonitor (monitoring.coreos.com/v1)",
    "t.json:5:1: kind GatewayClass (gateway.networking.k8s.io/v1)",
    "t.json:6:1: kind Gateway (gateway.networking.k8s.io/v1)",
  };
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const char *warning = s->warnings->pdata[i];
      g_test_message ("%s", warning);
      g_assert_true (g_str_has_prefix (warning, expected[i]));
      g_assert_nonnull (strstr (warning, "not simulated"));
    }
}

static void
test_timeline_apply_warns (void)
{
  g_test_summary ("A kind meshsim ignores is a warning in a timeline `apply` too");
  g_autoptr (MsScenario) s = load_ok (
    "{'traffic': [" TRAFFIC_TO_WEB "],\n"
    "'timeline': [{'at': '1s', 'apply': {'apiVersion': 'autoscaling/v2',"
    " 'kind': 'HorizontalPodAutoscaler', 'metadata': {'name': 'web'}}}]"
    RESOURCES (APP ("web")),
    "json", ".");
  g_assert_cmpuint (s->warnings->len, ==, 1);
  g_test_message ("%s", (const char *) s->warnings->pdata[0]);
  g_assert_true (g_str_has_prefix (s->warnings->pdata[0], "t.json:2:"));
  g_assert_nonnull (strstr (s->warnings->pdata[0], "HorizontalPodAutoscaler"));
}

static void
test_durations (void)
{
  g_test_summary ("Durations in Istio's syntax, as SCENARIO.md lists them");
  static const struct {
    const char *text;
    MsTime value;
  } table[] = {
    { "250ms", MS_MSEC (250) }, { "2s", MS_SEC (2) },       { "1m", MS_SEC (60) },
    { "1h", MS_SEC (3600) },    { "1.5s", MS_MSEC (1500) }, { "500us", 500 },
    { "1m30s", MS_SEC (90) },   { "0s", 0 },                { "1ns", 1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr (GError) error = NULL;
      MsTime value = -1;
      g_assert_true (ms_duration_parse (table[i].text, &value, &error));
      g_assert_no_error (error);
      g_assert_cmpint (value, ==, table[i].value);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad_scenarios); i++)
    {
      g_autofree char *path = g_strdup_printf ("/io/scenario/bad/%s", bad_scenarios[i].name);
      g_test_add_data_func (path, &bad_scenarios[i], test_bad_scenario);
    }

  g_test_add_func ("/io/scenario/good/minimal", test_minimal);
  g_test_add_func ("/io/scenario/good/yaml-equals-json", test_yaml_equals_json);
  g_test_add_func ("/io/scenario/good/unknown-kind-warns", test_unknown_kind_warns);
  g_test_add_func ("/io/scenario/good/timeline-apply-warns", test_timeline_apply_warns);
  g_test_add_func ("/io/scenario/good/durations", test_durations);
  g_test_add ("/io/scenario/good/manifests", TempDir, NULL, temp_dir_set_up, test_manifests,
              temp_dir_tear_down);
  g_test_add ("/io/scenario/bad/manifest-error-position", TempDir, NULL, temp_dir_set_up,
              test_manifest_error_position, temp_dir_tear_down);

  return g_test_run ();
}
