/* sim/app/main.c - the meshsim command line.
 *
 * `meshsim run FILE` loads a scenario, runs it and prints the report;
 * `meshsim check FILE` only loads and builds it, the way `istioctl analyze`
 * checks without applying.  Exit codes are part of the interface, because
 * CI scripts branch on them: 0 all good, 1 an expectation failed, 2 the
 * input (scenario, manifests, command line) is wrong.  The only wall-clock
 * reads in meshsim are here: the progress line and sim.wall_ms.
 */
#include "models/apps/eventlog.h"
#include "models/world.h"
#include "sim/app/serve.h"
#include "sim/io/expect.h"
#include "sim/io/output.h"
#include "sim/io/read.h"
#include "sim/io/report-html.h"
#include "sim/io/report-text.h"
#include "sim/io/scenario.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_EXPECTATIONS 1
#define EXIT_BAD_INPUT 2

static const char usage_text[] =
  "meshsim " MESHSIM_VERSION " - an Istio service mesh and its microservices, simulated\n"
  "\n"
  "Usage:\n"
  "  meshsim run FILE [OPTIONS]     run a scenario and print its report\n"
  "  meshsim check FILE [--strict]  load and check a scenario without running it\n"
  "  meshsim serve FILE [--port 8080] [--bind 127.0.0.1] [--speed 1.0]\n"
  "                                 keep the simulation running behind HTTP, for curl\n"
  "  meshsim explain FILE --from SOURCE --url URL [-H 'name: value']...\n"
  "                                 show how the mesh routes one request, step by step\n"
  "  meshsim help [COMMAND]         show help for run, check, serve or explain\n"
  "  meshsim --version              print the version\n"
  "\n"
  "A scenario (JSON or YAML) holds Kubernetes and Istio resources, how each\n"
  "Deployment behaves, the traffic to send, faults to inject and expectations\n"
  "to check; see docs/scenario.md.  Time is virtual: a minute of traffic runs in\n"
  "well under a second, and the same file and seed give the same report.\n"
  "\n"
  "Examples:\n"
  "  meshsim run scenarios/basic/three-tier.json\n"
  "  meshsim run scenarios/basic/three-tier.json --format json --seed 7\n"
  "  meshsim check scenarios/lab/handson1.json\n"
  "\n"
  "Exit codes: 0 ok, 1 an expectation failed, 2 bad input.\n";

static const char run_help[] =
  "Usage: meshsim run FILE [OPTIONS]\n"
  "\n"
  "Runs the scenario in FILE on a virtual clock and prints a report: per traffic\n"
  "source the requests, statuses, Envoy response flags and latency percentiles;\n"
  "per Service the requests by version and status; per workload the calls it\n"
  "made.  Expectations in the scenario are checked at the end.\n"
  "\n"
  "Options:\n"
  "  --seed N            seed for every random draw (default: the scenario's, or 1)\n"
  "  --duration D        virtual time to run, e.g. 30s or 2m (default: the scenario's)\n"
  "  --format text|json  report format (default: text)\n"
  "  --output FILE       write the report to FILE instead of standard output\n"
  "  --reproducible      report sim.wall_ms as 0, so two runs give identical bytes\n"
  "  --quiet             no progress line on standard error\n"
  "  --strict            treat warnings (e.g. an undefined subset) as errors\n"
  "\n"
  "Telemetry, as the mesh's own tools would show it:\n"
  "  --metrics FILE      Prometheus text: istio_requests_total and the duration and\n"
  "                      size histograms, reported by source and destination proxies\n"
  "  --access-log FILE   one line per proxy per request, in Istio's default format\n"
  "  --graph FILE        the service graph: FILE.dot (Graphviz) or FILE.mmd (Mermaid)\n"
  "  --timeseries FILE   per second per edge: requests by outcome, p50 and p99 (CSV)\n"
  "  --traces FILE       Zipkin v2 JSON spans (Jaeger and Zipkin UIs load it): one per\n"
  "                      proxy hop, per try and per app handler\n"
  "  --trace-sample X    share of requests traced, 0 to 1 (default 0.01, as Istio)\n"
  "  --events-in FILE    load the event store from a JSON Lines file before the run\n"
  "  --events-out FILE   save the event store as JSON Lines after the run, so that a\n"
  "                      later run can start from that state (--events-in)\n"
  "  --html FILE         the report as one self-contained page: failed expectations\n"
  "                      first, the service graph, charts over time with fault and\n"
  "                      ejection windows\n"
  "\n"
  "Exit codes: 0 every expectation held, 1 one or more failed (each is printed on\n"
  "standard error with the value seen), 2 the scenario or the options are wrong.\n"
  "\n"
  "On a terminal, runs that take longer than a second show a progress line on\n"
  "standard error; piped output never has one.\n";

static const char check_help[] =
  "Usage: meshsim check FILE [--strict]\n"
  "\n"
  "Like istioctl analyze, without a cluster: loads the scenario in FILE with\n"
  "its manifests, checks every field and reference (workloads, Services, URLs,\n"
  "fault targets, VirtualService hosts and subsets, Gateways) and builds the\n"
  "world without running it.\n"
  "\n"
  "Errors (exit 2) are what Istio or Kubernetes would reject, or what cannot\n"
  "run: unknown or misspelt fields, wrong types, a destination host with no\n"
  "Service, a zero total weight.  Warnings are accepted by Istio but do not do\n"
  "what they seem to: a route to an undefined subset (503 NC at run time), a\n"
  "VirtualService bound to a missing Gateway, deprecated fields, a retryPolicy\n"
  "under a DestinationRule.  Each line starts with FILE:LINE:COLUMN.  With\n"
  "--strict, warnings fail the check too.\n";

static const char serve_help[] =
  "Usage: meshsim serve FILE [--port 8080] [--bind 127.0.0.1] [--speed 1.0] [--quiet]\n"
  "\n"
  "Runs the scenario as one live simulation whose clock follows the wall clock\n"
  "(times --speed), with its own traffic, faults and timeline, and answers HTTP:\n"
  "a request's Host header names the Service, and it enters the mesh from the\n"
  "lab's load-tester pod (or the workload in an X-Meshsim-From header, or\n"
  "\"ingress\").  The answer is the simulated one; X-Meshsim-Flags,\n"
  "X-Meshsim-Upstream and X-Meshsim-Time say what happened.\n"
  "\n"
  "  curl -H 'Host: saga-orchestrator' http://127.0.0.1:8080/api/saga/start\n"
  "  curl -H 'Host: user-service' -H 'canary: true' http://127.0.0.1:8080/api/users\n"
  "  curl http://127.0.0.1:8080/_meshsim/report       (also /_meshsim/metrics, /config)\n"
  "\n"
  "Break things live (POST): /_meshsim/apply takes an Istio resource (YAML or JSON),\n"
  "/_meshsim/delete takes {\"kind\": ..., \"name\": ..., \"namespace\": ...} (namespace\n"
  "\"default\" if left out, as kubectl), /_meshsim/fault takes a fault as in\n"
  "scenarios, starting now:\n"
  "  curl -d '{\"target\": \"payment-service\", \"for\": \"30s\", \"error\": {\"status\": 503}}' \\\n"
  "       http://127.0.0.1:8080/_meshsim/fault\n"
  "\n"
  "Listens on loopback unless --bind says otherwise; --port 0 picks a free\n"
  "port.  Ctrl-C (or SIGTERM) stops it and prints the report (--quiet: no\n"
  "report).  The scenario's expectations are not checked in serve mode: they\n"
  "describe a run of a set duration, and a live run has none; use meshsim run.\n";

static const char explain_help[] =
  "Usage: meshsim explain FILE --from SOURCE --url URL [-H 'name: value']... [-X METHOD]\n"
  "\n"
  "Shows, without running anything, how the mesh routes one request: DNS, the\n"
  "VirtualService and why each earlier rule did not match, the rule chosen,\n"
  "weights, subsets, the Envoy cluster and its endpoints, and every policy in\n"
  "force (timeout, retries, faults, mirror, load balancer).\n"
  "\n"
  "SOURCE is \"ingress\" (through the ingress gateway), \"outside\" (no sidecar),\n"
  "or a Deployment (name, or namespace/name), whose first pod sends the request.\n"
  "\n"
  "Example:\n"
  "  meshsim explain scenarios/lab/handson1.json --from load-tester \\\n"
  "    --url http://user-service.ecommerce-microservices/api/users -H 'canary: true'\n";

static int
fail_input (const char *message)
{
  fprintf (stderr, "meshsim: error: %s\n", message);
  return EXIT_BAD_INPUT;
}

/* Parses a command's options; afterwards argv holds the operands.  Adds
 * -h/--help, which prints help_text.  Returns -1 to go on, else the exit
 * status: 0 after the help, EXIT_BAD_INPUT for a bad option. */
static int
parse_options (const char *command, const char *help_text, const GOptionEntry *entries,
               int *argc, char ***argv)
{
  gboolean help = FALSE;
  const GOptionEntry help_entries[] = {
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, "Help", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, help_entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_autofree char *message = g_strdup_printf ("%s (see 'meshsim help %s')", error->message,
                                                  command);
      return fail_input (message);
    }
  if (help)
    {
      fputs (help_text, stdout);
      return 0;
    }
  return -1;
}

typedef struct {
  gint64 wall_start;
  gint64 last_print;
  gboolean enabled;
  gboolean printed;
  MsSim *sim;
} Progress;

static void
show_progress (MsTime now, MsTime end, gpointer data)
{
  Progress *p = data;
  if (!p->enabled)
    return;
  gint64 wall = g_get_monotonic_time ();
  if (wall - p->wall_start < G_USEC_PER_SEC || wall - p->last_print < G_USEC_PER_SEC / 10)
    return;
  p->last_print = wall;
  p->printed = TRUE;
  double rate = (double) ms_sim_events (p->sim) / ((double) (wall - p->wall_start) / 1e6);
  if (end >= 0)
    fprintf (stderr, "\r\033[K  %.1fs of %.1fs simulated (%.0f%%), %.1fM events/s",
             (double) now / 1e6, (double) end / 1e6, 100.0 * (double) now / (double) end,
             rate / 1e6);
  else
    fprintf (stderr, "\r\033[K  %.1fs simulated, %.1fM events/s", (double) now / 1e6, rate / 1e6);
  fflush (stderr);
}

static gboolean
write_output (const char *path, const GString *text, GError **error)
{
  if (path == NULL || g_str_equal (path, "-"))
    {
      fwrite (text->str, 1, text->len, stdout);
      return fflush (stdout) == 0;
    }
  return ms_output_save (path, text->str, text->len, error);
}

static void
print_warnings (const GPtrArray *warnings)
{
  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, "meshsim: warning: %s\n", (const char *) warnings->pdata[i]);
}

/* With --strict, warnings are errors: prints them as such. */
static int
warnings_gate (const GPtrArray *warnings, gboolean strict)
{
  if (!strict || warnings->len == 0)
    {
      print_warnings (warnings);
      return 0;
    }
  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, "meshsim: error: %s\n", (const char *) warnings->pdata[i]);
  fprintf (stderr, "meshsim: %u warning%s treated as error%s (--strict)\n", warnings->len,
           warnings->len == 1 ? "" : "s", warnings->len == 1 ? "" : "s");
  return EXIT_BAD_INPUT;
}

/* Failed entries of the report's "expect" array: the scenario's
 * expectations and the models' consistency checks. */
static int
count_failed (const MsReport *report)
{
  const MsReportNode *array = ms_report_find (report, "expect");
  int failed = 0;
  for (guint i = 0; array != NULL && i < ms_report_n_children (array); i++)
    failed += ms_report_get_int (ms_report_child (array, i, NULL), "ok") == 0;
  return failed;
}

static int
command_run (int argc, char **argv)
{
  gint64 seed = -1;
  g_autofree char *duration_text = NULL, *format = NULL, *output = NULL;
  gboolean reproducible = FALSE, quiet = FALSE, strict = FALSE;
  g_autofree char *metrics = NULL, *access_log = NULL, *graph = NULL, *timeseries = NULL;
  g_autofree char *traces = NULL, *html = NULL, *events_in = NULL, *events_out = NULL;
  double trace_sample = 0.01;
  GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed", "N" },
    { "duration", 0, 0, G_OPTION_ARG_STRING, &duration_text, "Virtual time", "D" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "text or json", "F" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Report file", "FILE" },
    { "reproducible", 0, 0, G_OPTION_ARG_NONE, &reproducible, "No wall-clock figures", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress line", NULL },
    { "strict", 0, 0, G_OPTION_ARG_NONE, &strict, "Warnings are errors", NULL },
    { "metrics", 0, 0, G_OPTION_ARG_FILENAME, &metrics, "Prometheus file", "FILE" },
    { "access-log", 0, 0, G_OPTION_ARG_FILENAME, &access_log, "Access log", "FILE" },
    { "graph", 0, 0, G_OPTION_ARG_FILENAME, &graph, "Service graph", "FILE" },
    { "timeseries", 0, 0, G_OPTION_ARG_FILENAME, &timeseries, "Time series", "FILE" },
    { "traces", 0, 0, G_OPTION_ARG_FILENAME, &traces, "Zipkin spans", "FILE" },
    { "trace-sample", 0, 0, G_OPTION_ARG_DOUBLE, &trace_sample, "Sampled share", "X" },
    { "html", 0, 0, G_OPTION_ARG_FILENAME, &html, "HTML report", "FILE" },
    { "events-in", 0, 0, G_OPTION_ARG_FILENAME, &events_in, "Event log to load", "FILE" },
    { "events-out", 0, 0, G_OPTION_ARG_FILENAME, &events_out, "Event log to save", "FILE" },
    { NULL },
  };
  int status = parse_options ("run", run_help, entries, &argc, &argv);
  if (status >= 0)
    return status;
  g_autoptr (GError) error = NULL;
  if (argc != 2)
    return fail_input (argc < 2 ? "run needs a scenario file: meshsim run FILE"
                                : "run takes one scenario file (see 'meshsim help run')");
  if (format != NULL && !g_str_equal (format, "text") && !g_str_equal (format, "json"))
    {
      g_autofree char *message =
        g_strdup_printf ("--format must be text or json, not \"%s\"", format);
      return fail_input (message);
    }
  MsTime duration = -1;
  if (duration_text != NULL && !ms_duration_parse (duration_text, &duration, &error))
    {
      g_autofree char *message = g_strdup_printf ("--duration: %s", error->message);
      return fail_input (message);
    }
  if (duration_text != NULL && duration == 0)
    return fail_input ("--duration must be above 0s");
  if (seed < -1)
    return fail_input ("--seed must be 0 or more");

  g_autoptr (MsScenario) scenario = ms_scenario_load (argv[1], &error);
  if (scenario == NULL)
    return fail_input (error->message);
  guint64 run_seed = seed >= 0 ? (guint64) seed : scenario->seed;
  g_autoptr (MsWorld) world = ms_world_new (scenario, run_seed, duration, &error);
  if (world == NULL)
    return fail_input (error->message);
  if (warnings_gate (ms_world_warnings (world), strict) != 0)
    return EXIT_BAD_INPUT;
  if (!(trace_sample >= 0.0 && trace_sample <= 1.0))
    return fail_input ("--trace-sample must be from 0 to 1 (0.01 traces 1% of requests)");
  MsTelemetryOutputs outputs = { .metrics = metrics, .access_log = access_log, .graph = graph,
                                 .timeseries = timeseries, .traces = traces,
                                 .trace_sample = trace_sample, .series = html != NULL };
  if (!ms_world_set_outputs (world, &outputs, &error))
    return fail_input (error->message);
  MsEventLog *events = ms_world_event_log (world);
  if ((events_in != NULL || events_out != NULL) && events == NULL)
    return fail_input ("--events-in and --events-out need an event-store workload in the scenario");
  if (events_in != NULL)
    {
      g_autofree char *text = NULL;
      if (!g_file_get_contents (events_in, &text, NULL, &error)
          || !ms_world_load_events (world, text, &error))
        {
          g_autofree char *message = g_strdup_printf ("--events-in %s: %s", events_in, error->message);
          return fail_input (message);
        }
    }

  Progress progress = { .wall_start = g_get_monotonic_time (),
                        .enabled = !quiet && isatty (STDERR_FILENO),
                        .sim = ms_world_sim (world) };
  ms_world_run (world, show_progress, &progress);
  gint64 wall_ms = (g_get_monotonic_time () - progress.wall_start) / 1000;
  if (progress.printed)
    fprintf (stderr, "\r\033[K");

  if (events_out != NULL)
    {
      g_autoptr (GString) jsonl = g_string_new (NULL);
      ms_event_log_write_jsonl (events, jsonl);
      if (!ms_output_save (events_out, jsonl->str, jsonl->len, &error))
        {
          g_autofree char *message = g_strdup_printf ("cannot write %s: %s", events_out, error->message);
          return fail_input (message);
        }
    }
  if (!ms_world_write_outputs (world, &error))
    {
      g_autofree char *message = g_strdup_printf ("cannot write telemetry: %s", error->message);
      return fail_input (message);
    }
  g_autoptr (MsReport) report = ms_world_report (world, reproducible ? -1 : wall_ms);
  int failed = ms_expect_check (scenario, report, &error);
  if (failed < 0)
    return fail_input (error->message);
  /* The models' own end-of-run checks are in the same array. */
  failed = count_failed (report);

  if (html != NULL)
    {
      /* The charts' data goes into a copy of the report only, so that
       * --html never changes the JSON or text report. */
      g_autoptr (MsReport) page = ms_world_report (world, reproducible ? -1 : wall_ms);
      int page_failed = ms_expect_check (scenario, page, NULL);
      (void) page_failed;
      ms_world_report_timeline (world, page);
      g_autoptr (GString) out = g_string_new (NULL);
      ms_report_write_html (page, out);
      if (!ms_output_save (html, out->str, out->len, &error))
        {
          g_autofree char *message = g_strdup_printf ("cannot write %s: %s", html, error->message);
          return fail_input (message);
        }
    }
  g_autoptr (GString) text = g_string_new (NULL);
  if (format != NULL && g_str_equal (format, "json"))
    ms_report_write_json (report, text);
  else
    ms_report_write_text (report, text);
  if (!write_output (output, text, &error))
    {
      g_autofree char *message =
        g_strdup_printf ("cannot write the report: %s", error ? error->message : "write failed");
      return fail_input (message);
    }
  if (failed > 0)
    {
      g_autoptr (GString) lines = g_string_new (NULL);
      ms_expect_write_text (report, FALSE, lines);
      fprintf (stderr, "%s%d expectation%s failed\n", lines->str, failed, failed == 1 ? "" : "s");
      return EXIT_EXPECTATIONS;
    }
  return 0;
}

static int
command_check (int argc, char **argv)
{
  gboolean strict = FALSE;
  GOptionEntry entries[] = {
    { "strict", 0, 0, G_OPTION_ARG_NONE, &strict, "Warnings are errors", NULL },
    { NULL },
  };
  int status = parse_options ("check", check_help, entries, &argc, &argv);
  if (status >= 0)
    return status;
  if (argc != 2)
    return fail_input ("check takes one scenario file: meshsim check FILE");
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) scenario = ms_scenario_load (argv[1], &error);
  if (scenario == NULL)
    return fail_input (error->message);
  g_autoptr (MsWorld) world = ms_world_new (scenario, scenario->seed, -1, &error);
  if (world == NULL)
    return fail_input (error->message);
  if (warnings_gate (ms_world_warnings (world), strict) != 0)
    return EXIT_BAD_INPUT;
  printf ("%s: ok (%u Deployments, %u Services, %u traffic sources, %u expectations)\n",
          argv[1], scenario->deployments->len, scenario->services->len, scenario->traffic->len,
          scenario->expect->len);
  return 0;
}

static int
command_serve (int argc, char **argv)
{
  gint port = 8080;
  g_autofree char *bind = NULL;
  double speed = 1.0;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port", "N" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind, "Address", "IP" },
    { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed, "Clock speed", "X" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No report at the end", NULL },
    { NULL },
  };
  int status = parse_options ("serve", serve_help, entries, &argc, &argv);
  if (status >= 0)
    return status;
  if (argc != 2)
    return fail_input ("serve takes one scenario file: meshsim serve FILE");
  if (port < 0 || port > 65535)
    return fail_input ("--port must be from 0 to 65535");
  if (!(speed > 0.0 && speed <= 1e6))
    return fail_input ("--speed must be above 0 (1 is real time)");
  return ms_serve_run (argv[1], bind ? bind : "127.0.0.1", port, speed, quiet);
}

static int
command_explain (int argc, char **argv)
{
  g_autofree char *from = NULL, *url = NULL, *method = NULL;
  g_auto (GStrv) headers = NULL;
  GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, "Source", "SOURCE" },
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "URL", "URL" },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &headers, "Header", "'name: value'" },
    { "request", 'X', 0, G_OPTION_ARG_STRING, &method, "Method", "METHOD" },
    { NULL },
  };
  int status = parse_options ("explain", explain_help, entries, &argc, &argv);
  if (status >= 0)
    return status;
  g_autoptr (GError) error = NULL;
  if (argc != 2 || from == NULL || url == NULL)
    return fail_input ("explain needs a scenario file, --from and --url "
                       "(see 'meshsim help explain')");
  g_auto (MsLabels) parsed = { 0 };
  guint n = headers ? g_strv_length (headers) : 0;
  parsed.keys = g_new0 (char *, n + 1);
  parsed.values = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      const char *colon = strchr (headers[i], ':');
      if (colon == NULL)
        {
          g_autofree char *message =
            g_strdup_printf ("-H \"%s\": write a header as 'name: value'", headers[i]);
          return fail_input (message);
        }
      g_autofree char *name = g_strndup (headers[i], colon - headers[i]);
      parsed.keys[i] = g_ascii_strdown (g_strstrip (name), -1);
      parsed.values[i] = g_strstrip (g_strdup (colon + 1));
      parsed.n = i + 1;
    }
  g_autoptr (MsScenario) scenario = ms_scenario_load (argv[1], &error);
  if (scenario == NULL)
    return fail_input (error->message);
  g_autoptr (MsWorld) world = ms_world_new (scenario, scenario->seed, -1, &error);
  if (world == NULL)
    return fail_input (error->message);
  print_warnings (ms_world_warnings (world));
  g_autoptr (GString) out = g_string_new (NULL);
  if (!ms_world_explain (world, from, method ? method : "GET", url, &parsed, out, &error))
    return fail_input (error->message);
  fputs (out->str, stdout);
  return 0;
}

/* The commands: their help, and what runs them ("help" is main's own). */
typedef struct {
  const char *name;
  const char *help;
  int (*run) (int argc, char **argv);
} Command;

static const Command commands[] = {
  { "run", run_help, command_run },
  { "check", check_help, command_check },
  { "serve", serve_help, command_serve },
  { "explain", explain_help, command_explain },
  { "help", usage_text, NULL },
};

/* The command named name, or NULL with the nearest name (or NULL) in
 * *guess. */
static const Command *
find_command (const char *name, const char **guess)
{
  const char *names[G_N_ELEMENTS (commands) + 1] = { NULL };
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_str_equal (name, commands[i].name))
        return &commands[i];
      names[i] = commands[i].name;
    }
  *guess = ms_read_suggest (name, names);
  return NULL;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  if (argc < 2)
    {
      fputs (usage_text, stderr);
      return EXIT_BAD_INPUT;
    }
  const char *command = argv[1];
  if (g_str_equal (command, "--help") || g_str_equal (command, "-h")
      || (g_str_equal (command, "help") && argc == 2))
    {
      fputs (usage_text, stdout);
      return 0;
    }
  if (g_str_equal (command, "--version") || g_str_equal (command, "version"))
    {
      printf ("meshsim %s\n", MESHSIM_VERSION);
      return 0;
    }
  const char *guess = NULL;
  if (g_str_equal (command, "help"))
    {
      const Command *found = find_command (argv[2], &guess);
      if (found != NULL)
        {
          fputs (found->help, stdout);
          return 0;
        }
      g_autofree char *message =
        guess ? g_strdup_printf ("no help for \"%s\"; did you mean \"%s\"?", argv[2], guess)
              : g_strdup_printf ("no help for \"%s\"; commands are run, check, serve and explain",
                                 argv[2]);
      return fail_input (message);
    }
  const Command *found = find_command (command, &guess);
  if (found != NULL && found->run != NULL)
    return found->run (argc - 1, argv + 1);
  g_autofree char *message =
    guess ? g_strdup_printf ("unknown command \"%s\", did you mean \"%s\"?", command, guess)
          : g_strdup_printf ("unknown command \"%s\"; try 'meshsim --help'", command);
  return fail_input (message);
}
