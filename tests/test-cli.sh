#!/usr/bin/env bash
# tests/test-cli.sh - the command line's contract: exit codes, help, errors,
# and byte-identical reports.  TAP output, one line per check.
set -u
meshsim="$1"
root="${MESHSIM_SOURCE_ROOT:?}"
scenario="$root/scenarios/basic/three-tier.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

check () {   # check NAME EXPECTED-EXIT COMMAND... ; output in $tmp/out, $tmp/err
  local name="$1" want="$2"
  shift 2
  n=$((n + 1))
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then
    echo "ok $n - $name"
  else
    echo "not ok $n - $name (exit $got, expected $want)"
    sed 's/^/# /' "$tmp/err" | head -5
    failed=$((failed + 1))
  fi
}

contains () {   # contains NAME FILE TEXT
  n=$((n + 1))
  if grep -qF -- "$3" "$2"; then
    echo "ok $n - $1"
  else
    echo "not ok $n - $1 (no \"$3\" in $(basename "$2"))"
    sed 's/^/# /' "$2" | head -5
    failed=$((failed + 1))
  fi
}

check "--help exits 0" 0 "$meshsim" --help
contains "--help lists run" "$tmp/out" "meshsim run FILE"
check "help run exits 0" 0 "$meshsim" help run
contains "help run explains exit codes" "$tmp/out" "Exit codes"
check "run --help exits 0" 0 "$meshsim" run --help
for command in run check serve explain help; do
  check "help $command exits 0" 0 "$meshsim" help "$command"
done
contains "--help names every command's help" "$tmp/out" "help for run, check, serve or explain"
check "help for an unknown command" 2 "$meshsim" help srve
contains "help for an unknown command suggests one" "$tmp/err" "did you mean \"serve\""
check "--version" 0 "$meshsim" --version
contains "--version prints the version" "$tmp/out" "meshsim 0."
check "no arguments is bad input" 2 "$meshsim"
check "unknown command" 2 "$meshsim" rnu x
contains "unknown command suggests run" "$tmp/err" "did you mean \"run\""
check "missing file" 2 "$meshsim" run "$tmp/nope.json"
contains "missing file names it" "$tmp/err" "nope.json"
check "bad --format" 2 "$meshsim" run "$scenario" --format xml
check "bad --duration" 2 "$meshsim" run "$scenario" --duration 10
contains "bad --duration says to add a unit" "$tmp/err" "has no unit"

check "run passes" 0 "$meshsim" run "$scenario"
contains "text report has the traffic table" "$tmp/out" "Traffic"
contains "text report lists expectations" "$tmp/out" "Expectations: 5 passed, 0 failed"
check "piped run prints no progress" 0 "$meshsim" run "$scenario" --format json
n=$((n + 1))
if [ ! -s "$tmp/err" ]; then echo "ok $n - nothing on stderr when piped"; else echo "not ok $n - stderr not empty"; failed=$((failed + 1)); fi

"$meshsim" run "$scenario" --format json --reproducible >"$tmp/a.json" 2>/dev/null
"$meshsim" run "$scenario" --format json --reproducible >"$tmp/b.json" 2>/dev/null
"$meshsim" run "$scenario" --format json --reproducible --seed 2 >"$tmp/c.json" 2>/dev/null
n=$((n + 1))
if cmp -s "$tmp/a.json" "$tmp/b.json"; then echo "ok $n - same seed, identical JSON bytes"; else echo "not ok $n - same seed differs"; failed=$((failed + 1)); fi
n=$((n + 1))
if ! cmp -s "$tmp/a.json" "$tmp/c.json"; then echo "ok $n - another seed, another report"; else echo "not ok $n - --seed had no effect"; failed=$((failed + 1)); fi
contains "json has sim.events" "$tmp/a.json" "\"events\":"

check "--output writes a file" 0 "$meshsim" run "$scenario" --format json --output "$tmp/out.json"
contains "--output file is the report" "$tmp/out.json" "\"scenario\": \"three-tier\""

# A failing expectation: exit 1 and the value seen on stderr.
sed 's/"atMost": 100}/"atMost": 1}/' "$scenario" >"$tmp/failing.json"
check "failed expectation exits 1" 1 "$meshsim" run "$tmp/failing.json"
contains "failure names the value and bound" "$tmp/err" "FAIL users p99 under 100ms: traffic.users.latency_ms.p99 ="
contains "failure count" "$tmp/err" "1 expectation failed"

# Bad input: file, line, column and a suggestion.
sed 's/"concurrency": 32/"concurrncy": 32/' "$scenario" >"$tmp/typo.json"
check "typo is bad input" 2 "$meshsim" run "$tmp/typo.json"
contains "typo error has position and suggestion" "$tmp/err" "typo.json:29:7: workloads.frontend.concurrncy: unknown field 'concurrncy', did you mean 'concurrency'?"
check "check accepts a good scenario" 0 "$meshsim" check "$scenario"
check "check rejects a bad one" 2 "$meshsim" check "$tmp/typo.json"

# Istio: check levels, --strict, explain.
lab="$root/scenarios/lab/handson1.json"
check "check passes the lab with warnings" 0 "$meshsim" check "$lab"
contains "check warns about retryPolicy under a DestinationRule" "$tmp/err" "DestinationRule has no 'retryPolicy' field"
contains "the warning shows the VirtualService form" "$tmp/err" "retries: {attempts: 3, perTryTimeout: 2s}"
check "check --strict fails on warnings" 2 "$meshsim" check --strict "$lab"
contains "--strict says why" "$tmp/err" "treated as error"
check "explain the canary header" 0 "$meshsim" explain "$lab" --from load-tester \
  --url http://user-service.ecommerce-microservices/api/users -H 'canary: true'
contains "explain names the VirtualService" "$tmp/out" "VirtualService: ecommerce-microservices/user-service-canary"
contains "explain picks subset v2" "$tmp/out" "destination user-service subset v2: all traffic"
check "explain without the header" 0 "$meshsim" explain "$lab" --from load-tester \
  --url http://user-service.ecommerce-microservices/api/users
contains "explain says why rule 0 missed" "$tmp/out" "http[0]: no (header canary is absent)"
contains "explain shows the 90/10 weights" "$tmp/out" "weight 90 (90.0%)"
check "explain from an unknown deployment" 2 "$meshsim" explain "$lab" --from load-testr --url http://x/
contains "explain suggests the deployment" "$tmp/err" "did you mean \"load-tester\""
contains "explain names the other kinds of source" "$tmp/err" "a source can also be \"ingress\""

# The HTML report: self-contained, with the graph and the charts.
check "--html writes a page" 0 "$meshsim" run "$root/scenarios/istio/outlier-eject-and-return.json" --html "$tmp/r.html"
contains "the page has the expectations first" "$tmp/r.html" "<h2 class=\"good\">Expectations: 4 passed, 0 failed</h2>"
contains "the page has the service graph" "$tmp/r.html" "<h2>Service graph</h2>"
contains "the page shades the ejection windows" "$tmp/r.html" "#f39c12"
n=$((n + 1))
if grep -qE "<script|https?://" "$tmp/r.html"; then echo "not ok $n - the page loads nothing from outside"; failed=$((failed + 1)); else echo "ok $n - the page loads nothing from outside"; fi

# Event store export and import: a run's events restore the read side.
cqrs="$root/scenarios/patterns/cqrs-flow.json"
check "--events-out saves the event store" 0 "$meshsim" run "$cqrs" --events-out "$tmp/events.jsonl" --format json --output "$tmp/first.json"
contains "the export is JSON Lines with positions" "$tmp/events.jsonl" '{"position":1,'
"$meshsim" run "$cqrs" --events-in "$tmp/events.jsonl" --events-out "$tmp/events2.jsonl" --format json --output "$tmp/second.json" >/dev/null 2>&1
n=$((n + 1))
if python3 - "$tmp/first.json" "$tmp/second.json" "$tmp/events.jsonl" "$tmp/events2.jsonl" <<'PY'
import json, sys
a, b = (json.load(open(f))["workloads"] for f in sys.argv[1:3])
first, second = (open(f).read() for f in sys.argv[3:5])
# The second run goes on from the first one's events: its projection has
# every user the first run created plus the ones it created itself, every
# command it accepted added an event (new ids, none taken for a
# duplicate), and the log it saves starts with the first run's log.
p, c = b["event-processor"], b["command-service"]
ok = (p["users"] == a["event-processor"]["users"] + c["commands"]["create-user"]["accepted"]
      and p["head_position"] == a["event-processor"]["head_position"] + c["accepted"]
      and c["commands"]["create-user"]["accepted"] > 0
      and second.startswith(first))
sys.exit(0 if ok else 1)
PY
then echo "ok $n - --events-in goes on from the saved events"; else echo "not ok $n - --events-in did not go on from the saved events"; failed=$((failed + 1)); fi
check "--events-in rejects a bad file" 2 "$meshsim" run "$cqrs" --events-in "$tmp/r.html"

# Trace context goes through the pattern models: one saga is one trace.
check "--traces writes the saga's spans" 0 "$meshsim" run "$root/scenarios/patterns/saga-happy-path.json" --duration 1s --traces "$tmp/saga-traces.json" --trace-sample 1 --format json --output "$tmp/saga.json"
n=$((n + 1))
if python3 - "$tmp/saga-traces.json" "$tmp/saga.json" <<'PY'
import json, sys
spans = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
started = report["workloads"]["saga-orchestrator"]["sagas"]["started"]
ids = {s["id"] for s in spans}
traces = {s["traceId"] for s in spans}
orphans = [s for s in spans if s.get("parentId") and s["parentId"] not in ids]
sys.exit(0 if started > 0 and len(traces) == started and not orphans else 1)
PY
then echo "ok $n - each saga is one trace, with its steps under the start request"; else echo "not ok $n - saga steps are not in the saga's trace"; failed=$((failed + 1)); fi

# Security in explain.
cat >"$tmp/sec.json" <<'JSON'
{"resources":[
{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"foo"}},
{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"httpbin","namespace":"foo"},"spec":{"template":{"metadata":{"labels":{"app":"httpbin"}}}}},
{"apiVersion":"v1","kind":"Service","metadata":{"name":"httpbin","namespace":"foo"},"spec":{"selector":{"app":"httpbin"},"ports":[{"port":8000,"targetPort":80}]}},
{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"sleep","namespace":"foo"},"spec":{"template":{"metadata":{"labels":{"app":"sleep"}},"spec":{"serviceAccountName":"sleep"}}}},
{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"foo"},"spec":{"mtls":{"mode":"STRICT"}}},
{"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":"viewer","namespace":"foo"},"spec":{"selector":{"matchLabels":{"app":"httpbin"}},"rules":[{"from":[{"source":{"principals":["cluster.local/ns/foo/sa/sleep"]}}],"to":[{"operation":{"methods":["GET"]}}]}]}},
{"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":"bad","namespace":"foo"},"spec":{"selector":{"matchLabels":{"app":"nope"}},"rules":[{"from":[{"source":{"principals":["sleep"]}}]}]}}
]}
JSON
check "explain shows mTLS and authorization" 0 "$meshsim" explain "$tmp/sec.json" --from sleep --url http://httpbin:8000/ip -X POST
contains "explain names the PeerAuthentication mode" "$tmp/out" "PeerAuthentication STRICT on port 80"
contains "explain gives each policy's verdict" "$tmp/out" "ALLOW foo/viewer: does not match"
contains "explain says denied" "$tmp/out" "authorization: denied (403 RBAC: access denied)"
contains "check warns about a selector matching nothing" "$tmp/err" "selector matches no pod in namespace foo"
contains "check warns about a malformed principal" "$tmp/err" "\"sleep\" is not a principal"

# Circuit breaking in explain: the limits and outlier settings in force.
cb="$root/scenarios/istio/circuit-breaking-c2.json"
check "explain the circuit-breaking task" 0 "$meshsim" explain "$cb" --from fortio-deploy --url http://httpbin:8000/get
contains "explain shows the pool limits" "$tmp/out" "maxConnections 1 http1MaxPendingRequests 1 maxRequestsPerConnection 1; overflow answers 503 UO"
contains "explain shows the handshake" "$tmp/out" "a new connection waits for the TCP and mTLS handshakes"
contains "explain shows the outlier settings" "$tmp/out" "eject after 1 consecutive 5xx; interval 1s, base ejection 3m, maxEjectionPercent 100"

echo "1..$n"
[ "$failed" -eq 0 ]
