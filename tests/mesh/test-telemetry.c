/* tests/mesh/test-telemetry.c - the telemetry files against the report.
 *
 * Runs Istio's request-routing scenario (Bookinfo) with every output on and
 * checks that the files tell the same story as the report: the source
 * reports in istio_requests_total add up to the edges, the access log has
 * one line per proxy report, the graph has every edge.  promtool and dot,
 * when installed, must accept the files (promtool's only complaint allowed
 * is the unit in istio_request_duration_milliseconds, Istio's own name).
 */
#include "models/world.h"
#include "sim/io/scenario.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>

typedef struct {
  char *dir;
  char *metrics, *log, *dot, *mmd, *csv, *traces;
  MsReport *report;
} Outputs;

static void
outputs_clear (Outputs *o)
{
  g_unlink (o->metrics);
  g_unlink (o->log);
  g_unlink (o->dot);
  g_unlink (o->mmd);
  g_unlink (o->csv);
  g_unlink (o->traces);
  g_rmdir (o->dir);
  g_free (o->dir);
  g_free (o->metrics);
  g_free (o->log);
  g_free (o->dot);
  g_free (o->mmd);
  g_free (o->csv);
  g_free (o->traces);
  g_clear_pointer (&o->report, ms_report_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outputs, outputs_clear)

static void
outputs_init (Outputs *o)
{
  g_autoptr (GError) error = NULL;
  o->dir = g_dir_make_tmp ("meshsim-telemetry-XXXXXX", &error);
  g_assert_no_error (error);
  o->metrics = g_build_filename (o->dir, "metrics.prom", NULL);
  o->log = g_build_filename (o->dir, "access.log", NULL);
  o->dot = g_build_filename (o->dir, "graph.dot", NULL);
  o->mmd = g_build_filename (o->dir, "graph.mmd", NULL);
  o->csv = g_build_filename (o->dir, "series.csv", NULL);
  o->traces = g_build_filename (o->dir, "traces.json", NULL);
}

/* Istio's request-routing task (Bookinfo).  (transfer full) */
static MsScenario *
request_routing (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("MESHSIM_SOURCE_ROOT"), "scenarios",
                                            "istio", "request-routing.json", NULL);
  MsScenario *scenario = ms_scenario_load (path, &error);
  g_assert_no_error (error);
  return scenario;
}

/* Runs the scenario with every output on, into the paths outputs_init made. */
static void
outputs_run (Outputs *o, const char *graph)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) scenario = request_routing ();
  g_autoptr (MsWorld) world = ms_world_new (scenario, scenario->seed, -1, &error);
  g_assert_no_error (error);
  MsTelemetryOutputs outputs = { .metrics = o->metrics, .access_log = o->log,
                                 .graph = g_str_equal (graph, "dot") ? o->dot : o->mmd,
                                 .timeseries = o->csv, .traces = o->traces, .trace_sample = 1.0 };
  g_assert_true (ms_world_set_outputs (world, &outputs, &error));
  ms_world_run (world, NULL, NULL);
  g_assert_true (ms_world_write_outputs (world, &error));
  g_assert_no_error (error);
  o->report = ms_world_report (world, -1);
}

static void
run_with_outputs (Outputs *o, const char *graph)
{
  outputs_init (o);
  outputs_run (o, graph);
}

/* Sum of istio_requests_total series whose labels contain needle. */
static double
requests_total (const char *metrics, const char *needle)
{
  double sum = 0;
  g_auto (GStrv) lines = g_strsplit (metrics, "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix (*l, "istio_requests_total{") && strstr (*l, needle) != NULL)
      sum += g_ascii_strtod (strrchr (*l, ' ') + 1, NULL);
  return sum;
}

static double
report_value (const MsReport *report, const char *path)
{
  double v = 0;
  ms_report_number (ms_report_find (report, path), &v);
  return v;
}

static void
test_metrics_agree_with_report (void)
{
  g_test_summary ("istio_requests_total (reporter=source) agrees with the report for every "
                  "edge, and the access log has one line per proxy report");
  g_auto (Outputs) o = { 0 };
  run_with_outputs (&o, "dot");
  g_autofree char *metrics = NULL, *log = NULL;
  g_assert_true (g_file_get_contents (o.metrics, &metrics, NULL, NULL));
  g_assert_true (g_file_get_contents (o.log, &log, NULL, NULL));
  const char *edges[][3] = {
    { "productpage-v1", "reviews", "edges.productpage-v1.reviews.requests" },
    { "productpage-v1", "details", "edges.productpage-v1.details.requests" },
    { "reviews-v2", "ratings", "edges.reviews-v2.ratings.requests" },
    { "istio-ingressgateway", "productpage", "edges.istio-ingressgateway.productpage.requests" },
  };
  double total_source = 0;
  for (guint i = 0; i < G_N_ELEMENTS (edges); i++)
    {
      g_autofree char *needle = g_strdup_printf (
        "reporter=\"source\",source_workload=\"%s\",", edges[i][0]);
      g_autofree char *service = g_strdup_printf ("destination_service_name=\"%s\"", edges[i][1]);
      double sum = 0;
      g_auto (GStrv) lines = g_strsplit (metrics, "\n", -1);
      for (char **l = lines; *l; l++)
        if (g_str_has_prefix (*l, "istio_requests_total{") && strstr (*l, needle)
            && strstr (*l, service))
          sum += g_ascii_strtod (strrchr (*l, ' ') + 1, NULL);
      g_assert_cmpfloat (sum, ==, report_value (o.report, edges[i][2]));
      g_assert_cmpfloat (sum, >, 0);
      total_source += sum;
    }
  g_assert_cmpfloat (requests_total (metrics, "reporter=\"source\""), ==, total_source);
  /* Every request that reached a server sidecar is reported by it too. */
  double destination = requests_total (metrics, "reporter=\"destination\"");
  g_assert_cmpfloat (destination, ==, total_source);
  g_assert_nonnull (strstr (metrics, "connection_security_policy=\"mutual_tls\""));
  guint lines = 0;
  for (const char *c = log; *c; c++)
    lines += *c == '\n';
  g_assert_cmpuint (lines, ==, (guint) (total_source + destination));
  g_assert_nonnull (strstr (log, "outbound|9080|v2|reviews.default.svc.cluster.local"));
}

/* Runs a tool on a file; -1 when the tool is not installed. */
static int
run_tool (const char *command_line, char **output)
{
  g_autoptr (GError) error = NULL;
  int status = 0;
  g_autofree char *err = NULL;
  if (!g_spawn_command_line_sync (command_line, output, &err, &status, &error))
    return -1;
  if (output != NULL && err != NULL)
    {
      char *both = g_strconcat (*output ? *output : "", err, NULL);
      g_free (*output);
      *output = both;
    }
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_tools_accept_files (void)
{
  g_test_summary ("promtool check metrics and dot -Tsvg accept the files (when installed)");
  g_auto (Outputs) o = { 0 };
  run_with_outputs (&o, "dot");
  g_autofree char *promtool = g_find_program_in_path ("promtool");
  g_autofree char *dot_program = g_find_program_in_path ("dot");
  if (promtool == NULL || dot_program == NULL)
    {
      g_test_skip ("promtool or dot is not installed");
      return;
    }
  g_autofree char *command = g_strdup_printf ("sh -c 'promtool check metrics < %s'", o.metrics);
  g_autofree char *output = NULL;
  int status = run_tool (command, &output);
  /* Exit 3 is promtool's lint; the only lint allowed is the unit of
   * Istio's own metric name. */
  if (status != 0)
    {
      g_assert_cmpint (status, ==, 3);
      g_auto (GStrv) lines = g_strsplit (g_strstrip (output), "\n", -1);
      for (char **l = lines; *l; l++)
        g_assert_nonnull (strstr (*l, "istio_request_duration_milliseconds use base unit"));
    }
  g_autofree char *dot = g_strdup_printf ("dot -Tsvg -o /dev/null %s", o.dot);
  g_assert_cmpint (run_tool (dot, NULL), ==, 0);
}

static void
test_mermaid_and_series (void)
{
  g_test_summary ("The Mermaid graph and the time series cover every edge");
  g_auto (Outputs) o = { 0 };
  run_with_outputs (&o, "mmd");
  g_autofree char *mmd = NULL, *csv = NULL;
  g_assert_true (g_file_get_contents (o.mmd, &mmd, NULL, NULL));
  g_assert_true (g_file_get_contents (o.csv, &csv, NULL, NULL));
  g_assert_true (g_str_has_prefix (mmd, "graph LR\n"));
  g_assert_nonnull (strstr (mmd, "w_productpage_v1[\"productpage-v1\"] -->|"));
  g_assert_true (g_str_has_prefix (csv, "second,source,destination,requests,ok,"));
  double sum = 0;
  g_auto (GStrv) lines = g_strsplit (csv, "\n", -1);
  for (char **l = lines + 1; *l && **l; l++)
    {
      g_auto (GStrv) cells = g_strsplit (*l, ",", -1);
      if (g_str_equal (cells[1], "productpage-v1") && g_str_equal (cells[2], "reviews"))
        sum += g_ascii_strtod (cells[3], NULL);
    }
  g_assert_cmpfloat (sum, ==, report_value (o.report, "edges.productpage-v1.reviews.requests"));
}

static void
test_traces_are_trees (void)
{
  g_test_summary ("Every trace is a tree with one root, proxy and app spans nested as Envoy "
                  "and the apps propagate them");
  g_auto (Outputs) o = { 0 };
  run_with_outputs (&o, "dot");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (parser, o.traces, &error));
  g_assert_no_error (error);
  JsonArray *spans = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (spans), >, 100);
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) roots = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (spans); i++)
    {
      JsonObject *span = json_array_get_object_element (spans, i);
      g_hash_table_add (ids, (gpointer) json_object_get_string_member (span, "id"));
    }
  guint servers = 0, apps = 0;
  for (guint i = 0; i < json_array_get_length (spans); i++)
    {
      JsonObject *span = json_array_get_object_element (spans, i);
      const char *trace = json_object_get_string_member (span, "traceId");
      g_assert_cmpuint (strlen (trace), ==, 32);
      if (!json_object_has_member (span, "parentId"))
        {
          /* One root per trace: the gateway's span. */
          g_assert_false (g_hash_table_contains (roots, trace));
          g_hash_table_add (roots, (gpointer) trace);
        }
      else
        g_assert_true (g_hash_table_contains (ids, json_object_get_string_member (span, "parentId")));
      const char *kind = json_object_has_member (span, "kind")
                           ? json_object_get_string_member (span, "kind") : "";
      servers += g_str_equal (kind, "SERVER");
      JsonObject *tags = json_object_get_object_member (span, "tags");
      apps += g_str_equal (json_object_get_string_member (tags, "component"), "app");
    }
  g_assert_cmpuint (servers, >, 0);
  g_assert_cmpuint (apps, ==, servers);
}

static void
test_outputs_replace_files (void)
{
  g_test_summary ("An output replaces a regular file (removed, not truncated, so a hard link "
                  "keeps the old text) and writes through a symbolic link, keeping the link");
  g_auto (Outputs) o = { 0 };
  outputs_init (&o);
  g_autofree char *kept = g_build_filename (o.dir, "kept", NULL);
  g_autofree char *log_target = g_build_filename (o.dir, "log-target", NULL);
  g_autofree char *traces_target = g_build_filename (o.dir, "traces-target", NULL);
  g_assert_true (g_file_set_contents (o.metrics, "old", -1, NULL));
  g_assert_cmpint (link (o.metrics, kept), ==, 0);
  g_assert_true (g_file_set_contents (log_target, "old", -1, NULL));
  g_assert_cmpint (symlink ("log-target", o.log), ==, 0);
  g_assert_true (g_file_set_contents (traces_target, "old", -1, NULL));
  g_assert_cmpint (symlink ("traces-target", o.traces), ==, 0);
  outputs_run (&o, "dot");
  g_autofree char *metrics = NULL, *old = NULL, *log = NULL, *traces = NULL;
  g_assert_true (g_file_get_contents (o.metrics, &metrics, NULL, NULL));
  g_assert_true (g_str_has_prefix (metrics, "# HELP istio_requests_total"));
  g_assert_true (g_file_get_contents (kept, &old, NULL, NULL));
  g_assert_cmpstr (old, ==, "old");
  GStatBuf st;
  g_assert_cmpint (g_lstat (o.log, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_true (g_file_get_contents (log_target, &log, NULL, NULL));
  g_assert_true (g_str_has_prefix (log, "[1970-01-01T"));
  g_assert_cmpint (g_lstat (o.traces, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_true (g_file_get_contents (traces_target, &traces, NULL, NULL));
  g_assert_true (g_str_has_prefix (traces, "[\n{\"traceId\":"));
  g_unlink (kept);
  g_unlink (log_target);
  g_unlink (traces_target);
}

static void
test_access_log_write_error (void)
{
  g_test_summary ("A failed access-log write (here the device that is always full) is "
                  "reported when the outputs are written, with the path, and never removes "
                  "the device");
  if (!g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/full");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) scenario = request_routing ();
  g_autoptr (MsWorld) world = ms_world_new (scenario, scenario->seed, -1, &error);
  g_assert_no_error (error);
  MsTelemetryOutputs outputs = { .access_log = "/dev/full" };
  g_assert_true (ms_world_set_outputs (world, &outputs, &error));
  ms_world_run (world, NULL, NULL);
  g_assert_false (ms_world_write_outputs (world, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
  g_assert_nonnull (strstr (error->message, "/dev/full"));
  GStatBuf st;
  g_assert_cmpint (g_lstat ("/dev/full", &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mesh/telemetry/metrics-agree-with-report", test_metrics_agree_with_report);
  g_test_add_func ("/mesh/telemetry/tools-accept-files", test_tools_accept_files);
  g_test_add_func ("/mesh/telemetry/mermaid-and-series", test_mermaid_and_series);
  g_test_add_func ("/mesh/telemetry/traces-are-trees", test_traces_are_trees);
  g_test_add_func ("/mesh/telemetry/outputs-replace-files", test_outputs_replace_files);
  g_test_add_func ("/mesh/telemetry/access-log-write-error", test_access_log_write_error);
  return g_test_run ();
}
