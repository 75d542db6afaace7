/* tests/models/test-asl.c - Amazon States Language: reading and checking
 * definitions, and running them without a mesh (models/apps/asl.h).
 *
 * The executor is driven by hand here: each test feeds Task results and
 * errors and checks the action it asks for next, with exact delays.
 */
#include "tests/models/saga-fixture.h"

#include "models/apps/asl.h"
#include "models/apps/saga.h"
#include "sim/io/read.h"

#include <string.h>

static MsNode *
parse_node (const char *json)
{
  g_autoptr (GError) error = NULL;
  MsNode *node = ms_node_parse_json (json, -1, "def.json", &error);
  g_assert_no_error (error);
  return node;
}

/* A machine kept with its document. */
typedef struct {
  MsNode *node;
  MsAslMachine *machine;
} Def;

static void
def_clear (Def *def)
{
  g_clear_pointer (&def->machine, ms_asl_machine_free);
  g_clear_pointer (&def->node, ms_node_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Def, def_clear)

static void
def_load (Def *def, const char *json)
{
  g_autoptr (GError) error = NULL;
  def->node = parse_node (json);
  def->machine = ms_asl_machine_parse (def->node, &error);
  g_assert_no_error (error);
}

static JsonNode *
json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);
  g_assert_no_error (error);
  return node;
}

/* The history's event types (with the state for state events), as
 * "ExecutionStarted,TaskStateEntered:A,...". */
static char *
history_trace (const MsAslExecution *x)
{
  const GPtrArray *h = ms_asl_execution_history (x);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < h->len; i++)
    {
      const MsAslEvent *e = h->pdata[i];
      g_string_append_printf (out, "%s%s", i ? "," : "", e->type);
      if (strstr (e->type, "StateEntered") != NULL)
        g_string_append_printf (out, ":%s", e->state);
    }
  return g_string_free (out, FALSE);
}

static char *
output_text (const MsAslExecution *x)
{
  return json_to_string (ms_asl_execution_output (x), FALSE);
}

/* Validation: each mistake is refused with its JSON path and a message. */
typedef struct {
  const char *name;
  const char *definition;
  const char *path;        /* the JSON path the message must name */
  const char *message;
} BadDefinition;

#define TASK(next) "{\"Type\":\"Task\",\"Resource\":\"http://svc/a\"," next "}"

static const BadDefinition bad_definitions[] = {
  { "unknown-type", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Tsk\",\"End\":true}}}",
    "States.A.Type", "did you mean \"Task\"" },
  { "unknown-field", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"Nxt\":\"A\"") "}}",
    "States.A.Nxt", "did you mean 'Next'" },
  { "unknown-top-field", "{\"StartAt\":\"A\",\"Sates\":{}}", "Sates", "did you mean 'States'" },
  { "next-nowhere", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"Next\":\"Bee\"") ","
    "\"B\":{\"Type\":\"Succeed\"}}}", "States.A.Next", "\"Bee\", which is not a state" },
  { "catch-next-nowhere", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"End\":true,"
    "\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"Z\"}]") "}}",
    "States.A.Catch[0].Next", "not a state" },
  { "start-nowhere", "{\"StartAt\":\"X\",\"States\":{\"A\":{\"Type\":\"Succeed\"}}}",
    "StartAt", "StartAt names \"X\"" },
  { "unreachable", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Succeed\"},"
    "\"B\":{\"Type\":\"Succeed\"}}}", "States.B", "cannot be reached from StartAt" },
  { "missing-end", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\"}}}",
    "States.A", "needs 'Next'" },
  { "next-and-end", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Next\":\"A\","
    "\"End\":true}}}", "States.A.End", "not both" },
  { "heartbeat", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"End\":true,"
    "\"HeartbeatSeconds\":5") "}}", "States.A.HeartbeatSeconds", "not supported" },
  { "parallel", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Parallel\",\"End\":true}}}",
    "States.A.Type", "Parallel states are not supported" },
  { "all-not-last", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"End\":true,"
    "\"Retry\":[{\"ErrorEquals\":[\"States.ALL\"]},{\"ErrorEquals\":[\"HTTP.503\"]}]") "}}",
    "States.A.Retry[0].ErrorEquals", "must be the last" },
  { "all-not-alone", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"End\":true,"
    "\"Catch\":[{\"ErrorEquals\":[\"HTTP.503\",\"States.ALL\"],\"Next\":\"A\"}]") "}}",
    "States.A.Catch[0].ErrorEquals[1]", "alone" },
  { "empty-error-equals", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"End\":true,"
    "\"Retry\":[{\"ErrorEquals\":[]}]") "}}", "States.A.Retry[0].ErrorEquals",
    "at least one error name" },
  { "bad-path", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"ResultPath\":"
    "\"order.id\",\"End\":true}}}", "States.A.ResultPath", "paths start with \"$\"" },
  { "bad-parameter-path", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"End\":true,"
    "\"Parameters\":{\"order\":{\"id.$\":\"$.orders[?(@.x)]\"}}") "}}",
    "States.A.Parameters.order[\"id.$\"]", "supports $, $.a.b" },
  { "intrinsic-function", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"End\":true,"
    "\"Parameters\":{\"id.$\":\"States.Format('o-{}', $.n)\"}") "}}",
    "States.A.Parameters[\"id.$\"]", "intrinsic functions" },
  { "retry-unknown-field", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"End\":true,"
    "\"Retry\":[{\"ErrorEquals\":[\"States.ALL\"],\"MaxAttempt\":2}]") "}}",
    "States.A.Retry[0].MaxAttempt", "did you mean 'MaxAttempts'" },
  { "bad-resource", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Task\",\"Resource\":"
    "\"arn:aws:lambda:us-east-1:1:function:f\",\"End\":true}}}", "States.A.Resource",
    "ARNs are not simulated" },
  { "choice-no-operator", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Choice\","
    "\"Choices\":[{\"Variable\":\"$.x\",\"Next\":\"A\"}]}}}", "States.A.Choices[0]",
    "needs an operator" },
  { "choice-nested-next", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Choice\","
    "\"Choices\":[{\"Not\":{\"Variable\":\"$.x\",\"IsNull\":true,\"Next\":\"A\"},"
    "\"Next\":\"A\"}]}}}", "States.A.Choices[0].Not.Next", "only the rules directly" },
  { "choice-timestamp", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Choice\","
    "\"Choices\":[{\"Variable\":\"$.x\",\"TimestampEquals\":\"x\",\"Next\":\"A\"}]}}}",
    "States.A.Choices[0].TimestampEquals", "not supported" },
  { "choice-wrong-literal", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Choice\","
    "\"Choices\":[{\"Variable\":\"$.x\",\"NumericEquals\":\"5\",\"Next\":\"A\"}]}}}",
    "States.A.Choices[0].NumericEquals", "expected a number" },
  { "wait-both", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Wait\",\"Seconds\":1,"
    "\"SecondsPath\":\"$.s\",\"End\":true}}}", "States.A.Seconds", "exactly one" },
  { "retry-interval-zero", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"End\":true,"
    "\"Retry\":[{\"ErrorEquals\":[\"States.ALL\"],\"IntervalSeconds\":0}]") "}}",
    "States.A.Retry[0].IntervalSeconds", "" },
  { "jitter", "{\"StartAt\":\"A\",\"States\":{\"A\":" TASK ("\"End\":true,"
    "\"Retry\":[{\"ErrorEquals\":[\"States.ALL\"],\"JitterStrategy\":\"HALF\"}]") "}}",
    "States.A.Retry[0].JitterStrategy", "FULL" },
  { "fail-with-next", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Fail\",\"Next\":\"A\"}}}",
    "States.A.Next", "unknown field 'Next'" },
};

static void
test_bad_definition (gconstpointer data)
{
  const BadDefinition *bad = data;
  g_autoptr (MsNode) node = parse_node (bad->definition);
  g_autoptr (GError) error = NULL;
  g_autoptr (MsAslMachine) machine = ms_asl_machine_parse (node, &error);
  g_assert_null (machine);
  g_assert_nonnull (error);
  g_assert_true (error->domain == MS_SCENARIO_ERROR);
  g_autofree char *where = g_strdup_printf (": %s: ", bad->path);
  if (strstr (error->message, where) == NULL || strstr (error->message, bad->message) == NULL
      || !g_str_has_prefix (error->message, "def.json:"))
    g_error ("\"%s\" does not name \"%s\" and say \"%s\"", error->message, bad->path,
             bad->message);
}

static void
test_good_definition (void)
{
  g_test_summary ("A definition using every supported state type reads into a table whose "
                  "transitions are resolved to indexes");
  g_auto (Def) def = { 0 };
  def_load (&def, "{\"Comment\":\"c\",\"StartAt\":\"P\",\"TimeoutSeconds\":30,\"States\":{"
            "\"P\":{\"Type\":\"Pass\",\"Next\":\"C\"},"
            "\"C\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.x\",\"NumericGreaterThan\":1,"
            "\"Next\":\"W\"}],\"Default\":\"T\"},"
            "\"W\":{\"Type\":\"Wait\",\"Seconds\":2,\"Next\":\"T\"},"
            "\"T\":{\"Type\":\"Task\",\"Resource\":\"http://svc/a\",\"TimeoutSeconds\":2,"
            "\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"F\"}],\"Next\":\"S\"},"
            "\"S\":{\"Type\":\"Succeed\"},\"F\":{\"Type\":\"Fail\",\"Error\":\"E\"}}}");
  MsAslMachine *m = def.machine;
  g_assert_cmpstr (m->comment, ==, "c");
  g_assert_cmpint (m->timeout, ==, MS_SEC (30));
  g_assert_cmpint (m->start, ==, 0);
  const MsAslState *t = m->states->pdata[3];
  g_assert_cmpint (t->type, ==, MS_ASL_TASK);
  g_assert_cmpint (t->timeout, ==, MS_SEC (2));
  g_assert_cmpint (t->next, ==, ms_asl_machine_find (m, "S"));
  g_assert_cmpint (((MsAslCatcher *) t->catchers->pdata[0])->next, ==,
                   ms_asl_machine_find (m, "F"));
  const MsAslState *c = m->states->pdata[1];
  g_assert_cmpint (c->default_next, ==, 3);
  g_assert_cmpint (((MsAslRule *) c->choices->pdata[0])->next, ==, 2);
}

/* Errors. */

static void
test_error_names (void)
{
  g_test_summary ("HTTP answers become HTTP.<status>; HTTP.4xx/5xx match their class, "
                  "States.TaskFailed everything but States.Timeout, States.ALL everything");
  g_autofree char *e503 = ms_asl_http_error (503);
  g_autofree char *e0 = ms_asl_http_error (0);
  g_assert_cmpstr (e503, ==, "HTTP.503");
  g_assert_cmpstr (e0, ==, "HTTP.NoResponse");
  static const struct {
    const char *pattern, *error;
    gboolean match;
  } cases[] = {
    { "HTTP.503", "HTTP.503", TRUE },   { "HTTP.503", "HTTP.502", FALSE },
    { "HTTP.5xx", "HTTP.503", TRUE },   { "HTTP.5xx", "HTTP.402", FALSE },
    { "HTTP.4xx", "HTTP.402", TRUE },   { "HTTP.4xx", "HTTP.NoResponse", FALSE },
    { "States.ALL", "States.Timeout", TRUE }, { "States.ALL", "HTTP.402", TRUE },
    { "States.TaskFailed", "HTTP.503", TRUE },
    { "States.TaskFailed", "States.Timeout", FALSE },
    { "States.Timeout", "States.Timeout", TRUE }, { "ErrorA", "ErrorB", FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (ms_asl_error_matches (cases[i].pattern, cases[i].error) != cases[i].match)
      g_error ("%s vs %s: expected %d", cases[i].pattern, cases[i].error, cases[i].match);
}

/* Retriers. */

static const char abc_definition[] =
  "{\"StartAt\":\"X\",\"States\":{"
  "\"X\":{\"Type\":\"Task\",\"Resource\":\"http://svc/x\",\"Next\":\"Y\","
  "\"Retry\":[{\"ErrorEquals\":[\"ErrorA\",\"ErrorB\"],\"IntervalSeconds\":1,"
  "\"BackoffRate\":2,\"MaxAttempts\":2},{\"ErrorEquals\":[\"ErrorC\"],\"IntervalSeconds\":5}],"
  "\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"Z\"}]},"
  "\"Y\":{\"Type\":\"Succeed\"},\"Z\":{\"Type\":\"Fail\",\"Error\":\"Caught\"}}}";

static void
test_retry_abc_example (void)
{
  g_test_summary ("The spec's example: ErrorA, ErrorB wait 1 s and 2 s (first retrier), "
                  "ErrorC waits 5 s (second), the second ErrorB finds the first retrier used "
                  "up and goes to Catch");
  g_auto (Def) def = { 0 };
  def_load (&def, abc_definition);
  g_autoptr (JsonNode) input = json ("{}");
  MsAslAction a = { 0 };
  g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "e", input, 0, 1, &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_CALL);
  static const struct {
    const char *error;
    MsTime delay;
  } steps[] = { { "ErrorA", MS_SEC (1) }, { "ErrorB", MS_SEC (2) }, { "ErrorC", MS_SEC (5) } };
  MsTime now = 0;
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      ms_asl_action_clear (&a);
      ms_asl_execution_fail (x, steps[i].error, NULL, now, &a);
      g_assert_cmpint (a.type, ==, MS_ASL_ACTION_WAIT);
      g_assert_cmpint (a.delay, ==, steps[i].delay);
      now += a.delay;
      ms_asl_execution_resume (x, now, &a);
      g_assert_cmpint (a.type, ==, MS_ASL_ACTION_CALL);
      g_assert_cmpint (ms_asl_execution_attempt (x), ==, (int) i + 2);
    }
  ms_asl_action_clear (&a);
  ms_asl_execution_fail (x, "ErrorB", NULL, now, &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_END);
  g_assert_cmpint (ms_asl_execution_status (x), ==, MS_ASL_FAILED);
  g_assert_cmpstr (ms_asl_execution_error (x), ==, "Caught");
  g_assert_cmpuint (ms_asl_execution_caught (x), ==, 1);
  g_assert_true (ms_asl_execution_ended_in_fail_state (x));
}

static void
test_retry_defaults (void)
{
  g_test_summary ("A retrier with only ErrorEquals waits 1, 2, 4 s (IntervalSeconds 1, "
                  "BackoffRate 2, MaxAttempts 3), then the error is uncaught: FAILED");
  g_auto (Def) def = { 0 };
  def_load (&def, "{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Task\",\"Resource\":"
            "\"http://svc/x\",\"End\":true,\"Retry\":[{\"ErrorEquals\":[\"HTTP.5xx\"]}]}}}");
  g_autoptr (JsonNode) input = json ("{}");
  MsAslAction a = { 0 };
  g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "e", input, 0, 1, &a);
  static const MsTime delays[] = { MS_SEC (1), MS_SEC (2), MS_SEC (4) };
  for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
    {
      ms_asl_action_clear (&a);
      ms_asl_execution_fail (x, "HTTP.503", "down", 0, &a);
      g_assert_cmpint (a.type, ==, MS_ASL_ACTION_WAIT);
      g_assert_cmpint (a.delay, ==, delays[i]);
      ms_asl_execution_resume (x, 0, &a);
    }
  ms_asl_action_clear (&a);
  ms_asl_execution_fail (x, "HTTP.503", "down", 0, &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_END);
  g_assert_cmpstr (ms_asl_status_name (ms_asl_execution_status (x)), ==, "FAILED");
  g_assert_cmpstr (ms_asl_execution_error (x), ==, "HTTP.503");
  g_assert_cmpstr (ms_asl_execution_cause (x), ==, "down");
  g_assert_false (ms_asl_execution_ended_in_fail_state (x));
}

static void
test_retry_delay_rule (void)
{
  g_test_summary ("ms_asl_retry_delay is min(IntervalSeconds * BackoffRate^n, "
                  "MaxDelaySeconds), scaled by u with FULL jitter");
  MsAslRetrier r = { NULL, MS_SEC (2), 3, 3.0, MS_SEC (10), FALSE };
  g_assert_cmpint (ms_asl_retry_delay (&r, 0, 0.5), ==, MS_SEC (2));
  g_assert_cmpint (ms_asl_retry_delay (&r, 1, 0.5), ==, MS_SEC (6));
  g_assert_cmpint (ms_asl_retry_delay (&r, 2, 0.5), ==, MS_SEC (10));
  g_assert_cmpint (ms_asl_retry_delay (&r, 40, 0.5), ==, MS_SEC (10));
  r.full_jitter = TRUE;
  g_assert_cmpint (ms_asl_retry_delay (&r, 1, 0.5), ==, MS_SEC (3));
  g_assert_cmpint (ms_asl_retry_delay (&r, 1, 0.0), ==, 0);
}

static void
test_retry_zero_and_reset (void)
{
  g_test_summary ("MaxAttempts 0 never retries; a retrier's count starts again in each "
                  "new state");
  g_auto (Def) def = { 0 };
  def_load (&def, "{\"StartAt\":\"A\",\"States\":{"
            "\"A\":{\"Type\":\"Task\",\"Resource\":\"http://svc/a\",\"Next\":\"B\","
            "\"Retry\":[{\"ErrorEquals\":[\"HTTP.402\"],\"MaxAttempts\":0},"
            "{\"ErrorEquals\":[\"States.ALL\"],\"MaxAttempts\":1}]},"
            "\"B\":{\"Type\":\"Task\",\"Resource\":\"http://svc/b\",\"End\":true,"
            "\"Retry\":[{\"ErrorEquals\":[\"States.ALL\"],\"MaxAttempts\":1}]}}}");
  g_autoptr (JsonNode) input = json ("{}");
  MsAslAction a = { 0 };
  g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "e", input, 0, 1, &a);
  ms_asl_action_clear (&a);
  ms_asl_execution_fail (x, "HTTP.503", NULL, 0, &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_WAIT);
  ms_asl_execution_resume (x, 0, &a);
  ms_asl_action_clear (&a);
  g_autoptr (JsonNode) ok = json ("{}");
  ms_asl_execution_succeed (x, ok, 0, &a);
  g_assert_cmpstr (a.state->name, ==, "B");
  ms_asl_action_clear (&a);
  ms_asl_execution_fail (x, "HTTP.503", NULL, 0, &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_WAIT);  /* B's own count, not A's */
  ms_asl_execution_resume (x, 0, &a);
  ms_asl_action_clear (&a);
  ms_asl_execution_fail (x, "HTTP.503", NULL, 0, &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_END);

  /* A 402 matches the first retrier (MaxAttempts 0), which stops it
   * even though States.ALL would retry. */
  g_autoptr (MsAslExecution) y = ms_asl_execution_new (def.machine, "e", input, 0, 1, &a);
  ms_asl_action_clear (&a);
  ms_asl_execution_fail (y, "HTTP.402", NULL, 0, &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_END);
  g_assert_cmpstr (ms_asl_execution_error (y), ==, "HTTP.402");
}

/* Catch. */

static const char catch_definition[] =
  "{\"StartAt\":\"Pay\",\"States\":{"
  "\"Pay\":{\"Type\":\"Task\",\"Resource\":\"http://payment/api/payments\",\"TimeoutSeconds\":2,"
  "\"ResultPath\":\"$.payment\",\"Next\":\"Done\","
  "\"Catch\":[{\"ErrorEquals\":[\"HTTP.4xx\"],\"ResultPath\":\"$.error\",\"Next\":\"Declined\"},"
  "{\"ErrorEquals\":[\"States.TaskFailed\"],\"ResultPath\":null,\"Next\":\"Refund\"},"
  "{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"TimedOut\"}]},"
  "\"Done\":{\"Type\":\"Succeed\"},"
  "\"Declined\":{\"Type\":\"Fail\",\"Error\":\"Declined\"},"
  "\"Refund\":{\"Type\":\"Pass\",\"End\":true},"
  "\"TimedOut\":{\"Type\":\"Pass\",\"End\":true}}}";

static void
run_catch (const char *error, const char *want_state, const char *want_output)
{
  g_auto (Def) def = { 0 };
  def_load (&def, catch_definition);
  g_autoptr (JsonNode) input = json ("{\"order\":\"o-1\"}");
  MsAslAction a = { 0 };
  g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "e", input, 0, 1, &a);
  ms_asl_action_clear (&a);
  ms_asl_execution_fail (x, error, "why", 0, &a);
  const GPtrArray *h = ms_asl_execution_history (x);
  const char *last_entered = NULL;
  for (guint i = 0; i < h->len; i++)
    {
      const MsAslEvent *e = h->pdata[i];
      if (strstr (e->type, "StateEntered") != NULL)
        last_entered = e->state;
    }
  g_assert_cmpstr (last_entered, ==, want_state);
  if (want_output != NULL)
    {
      g_autofree char *out = output_text (x);
      g_assert_cmpstr (out, ==, want_output);
    }
}

static void
test_catch_order (void)
{
  g_test_summary ("Catchers are tried in order: a 402 goes to the HTTP.4xx one, a 503 to "
                  "States.TaskFailed, a timeout past both to States.ALL");
  run_catch ("HTTP.402", "Declined", NULL);
  run_catch ("HTTP.503", "Refund", "{\"order\":\"o-1\"}");
  run_catch ("States.Timeout", "TimedOut",
             "{\"Error\":\"States.Timeout\",\"Cause\":\"why\"}");
}

/* ResultPath, InputPath, Parameters, OutputPath. */

static void
test_result_path_merge (void)
{
  g_test_summary ("ResultPath $.a.b puts the result inside the input (creating objects), "
                  "null keeps the input, $ replaces it; a Catch's ResultPath holds "
                  "{Error, Cause}");
  static const struct {
    const char *result_path, *output;
  } cases[] = {
    { "\"$.pay.result\"", "{\"order\":\"o-1\",\"pay\":{\"result\":{\"id\":7}}}" },
    { "null", "{\"order\":\"o-1\"}" },
    { "\"$\"", "{\"id\":7}" },
    { "\"$.order\"", "{\"order\":{\"id\":7}}" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf (
        "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":\"http://s/a\","
        "\"ResultPath\":%s,\"End\":true}}}", cases[i].result_path);
      g_auto (Def) def = { 0 };
      def_load (&def, text);
      g_autoptr (JsonNode) input = json ("{\"order\":\"o-1\"}");
      g_autoptr (JsonNode) result = json ("{\"id\":7}");
      MsAslAction a = { 0 };
      g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "e", input, 0, 1, &a);
      ms_asl_action_clear (&a);
      ms_asl_execution_succeed (x, result, 0, &a);
      g_assert_cmpint (ms_asl_execution_status (x), ==, MS_ASL_SUCCEEDED);
      g_autofree char *out = output_text (x);
      g_assert_cmpstr (out, ==, cases[i].output);
    }
  run_catch ("HTTP.409", "Declined", NULL);
}

static void
test_parameters_and_paths (void)
{
  g_test_summary ("InputPath selects, Parameters fills \"key.$\" members from it (and $$ "
                  "from the context), OutputPath selects the output");
  g_auto (Def) def = { 0 };
  def_load (&def, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":"
            "\"http://s/a\",\"InputPath\":\"$.order\",\"Parameters\":{\"id.$\":\"$.id\","
            "\"first.$\":\"$.items[0]\",\"fixed\":{\"n\":1},\"exec.$\":\"$$.Execution.Id\","
            "\"state.$\":\"$$.State.Name\"},\"ResultPath\":\"$.r\",\"OutputPath\":\"$.r\","
            "\"End\":true}}}");
  g_autoptr (JsonNode) input = json ("{\"order\":{\"id\":\"o-1\",\"items\":[\"book\"]}}");
  MsAslAction a = { 0 };
  g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "saga-1", input, 0, 1, &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_CALL);
  g_assert_cmpstr (a.body, ==, "{\"id\":\"o-1\",\"first\":\"book\",\"fixed\":{\"n\":1},"
                   "\"exec\":\"saga-1\",\"state\":\"T\"}");
  ms_asl_action_clear (&a);
  g_autoptr (JsonNode) result = json ("{\"ok\":true}");
  ms_asl_execution_succeed (x, result, 0, &a);
  g_autofree char *out = output_text (x);
  g_assert_cmpstr (out, ==, "{\"ok\":true}");
}

static void
test_runtime_error_uncaught (void)
{
  g_test_summary ("A path that names nothing is States.Runtime, which States.ALL does not "
                  "catch: the execution fails");
  g_auto (Def) def = { 0 };
  def_load (&def, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":"
            "\"http://s/a\",\"Parameters\":{\"id.$\":\"$.missing\"},\"End\":true,"
            "\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"T\"}]}}}");
  g_autoptr (JsonNode) input = json ("{}");
  MsAslAction a = { 0 };
  g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "e", input, 0, 1, &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_END);
  g_assert_cmpstr (ms_asl_execution_error (x), ==, "States.Runtime");
}

static void
test_pass_loop_fails (void)
{
  g_test_summary ("A loop of Pass and Choice states with no Task or Wait fails with "
                  "States.Runtime after 1000 states instead of running forever");
  g_auto (Def) def = { 0 };
  def_load (&def, "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Next\":\"B\"},"
            "\"B\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.stop\","
            "\"IsPresent\":true,\"Next\":\"S\"}],\"Default\":\"A\"},"
            "\"S\":{\"Type\":\"Succeed\"}}}");
  g_autoptr (JsonNode) input = json ("{}");
  MsAslAction a = { 0 };
  g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "e", input, 0, 1, &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_END);
  g_assert_cmpstr (ms_asl_execution_error (x), ==, "States.Runtime");
  g_autoptr (JsonNode) stop = json ("{\"stop\":1}");
  g_autoptr (MsAslExecution) y = ms_asl_execution_new (def.machine, "e", stop, 0, 1, &a);
  g_assert_cmpint (ms_asl_execution_status (y), ==, MS_ASL_SUCCEEDED);
}

static void
test_history_limit (void)
{
  g_test_summary ("An execution whose history passes 25000 events (here a loop through a "
                  "Wait of 0 s) fails with States.Runtime");
  g_auto (Def) def = { 0 };
  def_load (&def, "{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\",\"Seconds\":0,"
            "\"Next\":\"W\"}}}");
  g_autoptr (JsonNode) input = json ("{}");
  MsAslAction a = { 0 };
  g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "e", input, 0, 1, &a);
  guint waits = 0;
  while (a.type == MS_ASL_ACTION_WAIT)
    {
      waits++;
      ms_asl_execution_resume (x, 0, &a);
    }
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_END);
  g_assert_cmpstr (ms_asl_execution_error (x), ==, "States.Runtime");
  g_assert_cmpuint (waits, >, 8000);
}

/* Choice. */

typedef struct {
  const char *name;
  const char *rule;        /* members of the rule, without Next */
  const char *input;
  gboolean matches;
} ChoiceCase;

static const ChoiceCase choice_cases[] = {
  { "string-equals", "\"Variable\":\"$.s\",\"StringEquals\":\"gold\"", "{\"s\":\"gold\"}", TRUE },
  { "string-equals-case", "\"Variable\":\"$.s\",\"StringEquals\":\"gold\"", "{\"s\":\"Gold\"}", FALSE },
  { "string-less-than", "\"Variable\":\"$.s\",\"StringLessThan\":\"b\"", "{\"s\":\"a\"}", TRUE },
  { "string-greater-than-equals", "\"Variable\":\"$.s\",\"StringGreaterThanEquals\":\"b\"", "{\"s\":\"b\"}", TRUE },
  { "string-vs-number", "\"Variable\":\"$.s\",\"StringEquals\":\"5\"", "{\"s\":5}", FALSE },
  { "numeric-equals-int-double", "\"Variable\":\"$.n\",\"NumericEquals\":5", "{\"n\":5.0}", TRUE },
  { "numeric-greater-than", "\"Variable\":\"$.n\",\"NumericGreaterThan\":100", "{\"n\":150}", TRUE },
  { "numeric-greater-than-equal-value", "\"Variable\":\"$.n\",\"NumericGreaterThan\":100", "{\"n\":100}", FALSE },
  { "numeric-less-than-equals", "\"Variable\":\"$.n\",\"NumericLessThanEquals\":100", "{\"n\":100}", TRUE },
  { "numeric-vs-string", "\"Variable\":\"$.n\",\"NumericLessThan\":1", "{\"n\":\"0\"}", FALSE },
  { "numeric-path", "\"Variable\":\"$.n\",\"NumericGreaterThanEqualsPath\":\"$.m\"", "{\"n\":3,\"m\":3}", TRUE },
  { "boolean-equals", "\"Variable\":\"$.b\",\"BooleanEquals\":true", "{\"b\":true}", TRUE },
  { "boolean-equals-false", "\"Variable\":\"$.b\",\"BooleanEquals\":true", "{\"b\":false}", FALSE },
  { "is-present-absent", "\"Variable\":\"$.x\",\"IsPresent\":false", "{}", TRUE },
  { "is-present-null", "\"Variable\":\"$.x\",\"IsPresent\":true", "{\"x\":null}", TRUE },
  { "is-null", "\"Variable\":\"$.x\",\"IsNull\":true", "{\"x\":null}", TRUE },
  { "is-numeric-string", "\"Variable\":\"$.x\",\"IsNumeric\":true", "{\"x\":\"1\"}", FALSE },
  { "is-string", "\"Variable\":\"$.x\",\"IsString\":true", "{\"x\":\"1\"}", TRUE },
  { "is-boolean-false", "\"Variable\":\"$.x\",\"IsBoolean\":false", "{\"x\":1}", TRUE },
  { "and-both", "\"And\":[{\"Variable\":\"$.n\",\"NumericGreaterThan\":1},{\"Variable\":\"$.s\","
    "\"StringEquals\":\"a\"}]", "{\"n\":2,\"s\":\"a\"}", TRUE },
  { "and-one", "\"And\":[{\"Variable\":\"$.n\",\"NumericGreaterThan\":1},{\"Variable\":\"$.s\","
    "\"StringEquals\":\"a\"}]", "{\"n\":2,\"s\":\"b\"}", FALSE },
  { "or-one", "\"Or\":[{\"Variable\":\"$.n\",\"NumericGreaterThan\":1},{\"Variable\":\"$.s\","
    "\"StringEquals\":\"a\"}]", "{\"n\":0,\"s\":\"a\"}", TRUE },
  { "not", "\"Not\":{\"Variable\":\"$.s\",\"StringEquals\":\"a\"}", "{\"s\":\"a\"}", FALSE },
};

static void
test_choice_operator (gconstpointer data)
{
  const ChoiceCase *c = data;
  g_autofree char *text = g_strdup_printf (
    "{\"StartAt\":\"C\",\"States\":{\"C\":{\"Type\":\"Choice\",\"Choices\":[{%s,"
    "\"Next\":\"Yes\"}],\"Default\":\"No\"},\"Yes\":{\"Type\":\"Pass\",\"Result\":\"yes\","
    "\"End\":true},\"No\":{\"Type\":\"Pass\",\"Result\":\"no\",\"End\":true}}}", c->rule);
  g_auto (Def) def = { 0 };
  def_load (&def, text);
  g_autoptr (JsonNode) input = json (c->input);
  MsAslAction a = { 0 };
  g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "e", input, 0, 1, &a);
  g_assert_cmpint (ms_asl_execution_status (x), ==, MS_ASL_SUCCEEDED);
  g_autofree char *out = output_text (x);
  g_assert_cmpstr (out, ==, c->matches ? "\"yes\"" : "\"no\"");
}

static void
test_choice_no_match (void)
{
  g_test_summary ("A Choice with no matching rule and no Default fails with "
                  "States.NoChoiceMatched; a missing Variable with States.Runtime");
  g_auto (Def) def = { 0 };
  def_load (&def, "{\"StartAt\":\"C\",\"States\":{\"C\":{\"Type\":\"Choice\",\"Choices\":[{"
            "\"Variable\":\"$.n\",\"NumericEquals\":1,\"Next\":\"S\"}]},\"S\":{\"Type\":"
            "\"Succeed\"}}}");
  g_autoptr (JsonNode) two = json ("{\"n\":2}");
  g_autoptr (JsonNode) none = json ("{}");
  MsAslAction a = { 0 };
  g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "e", two, 0, 1, &a);
  g_assert_cmpstr (ms_asl_execution_error (x), ==, "States.NoChoiceMatched");
  g_autoptr (MsAslExecution) y = ms_asl_execution_new (def.machine, "e", none, 0, 1, &a);
  g_assert_cmpstr (ms_asl_execution_error (y), ==, "States.Runtime");
}

/* History. */

static void
test_history_events (void)
{
  g_test_summary ("The history uses Step Functions' event names: a Task that fails once, "
                  "is retried and succeeds, then a Wait and a Succeed");
  g_auto (Def) def = { 0 };
  def_load (&def, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":"
            "\"http://s/a\",\"Retry\":[{\"ErrorEquals\":[\"States.Timeout\"]}],"
            "\"Next\":\"W\"},\"W\":{\"Type\":\"Wait\",\"Seconds\":3,\"Next\":\"S\"},"
            "\"S\":{\"Type\":\"Succeed\"}}}");
  g_autoptr (JsonNode) input = json ("{}");
  MsAslAction a = { 0 };
  g_autoptr (MsAslExecution) x = ms_asl_execution_new (def.machine, "e", input, 0, 1, &a);
  ms_asl_action_clear (&a);
  ms_asl_execution_fail (x, "States.Timeout", NULL, MS_SEC (60), &a);
  ms_asl_execution_resume (x, MS_SEC (61), &a);
  ms_asl_action_clear (&a);
  ms_asl_execution_succeed (x, input, MS_SEC (62), &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_WAIT);
  g_assert_cmpint (a.delay, ==, MS_SEC (3));
  ms_asl_execution_resume (x, MS_SEC (65), &a);
  g_assert_cmpint (a.type, ==, MS_ASL_ACTION_END);
  g_autofree char *trace = history_trace (x);
  g_assert_cmpstr (trace, ==, "ExecutionStarted,TaskStateEntered:T,TaskScheduled,TaskTimedOut,"
                   "TaskScheduled,TaskSucceeded,TaskStateExited,WaitStateEntered:W,"
                   "WaitStateExited,SucceedStateEntered:S,SucceedStateExited,"
                   "ExecutionSucceeded");
  const GPtrArray *h = ms_asl_execution_history (x);
  g_assert_cmpint (((MsAslEvent *) h->pdata[h->len - 1])->at, ==, MS_SEC (65));
  g_assert_cmpint (((MsAslEvent *) h->pdata[h->len - 1])->id, ==, (int) h->len);
}

/* The same saga, built in and in ASL, under the same faults and seed. */

#define RETRY "{\"initialInterval\":\"1s\",\"backoffCoefficient\":2,\"maximumInterval\":\"2s\","
#define FORWARD RETRY "\"maximumAttempts\":3}"
#define BACKWARD RETRY "\"maximumAttempts\":10}"
#define POLICY ",\"timeout\":\"2s\",\"retry\":" FORWARD ",\"compensationRetry\":" BACKWARD

/* The lab's saga as built-in steps, with the retry policies that
 * scenarios/patterns/asl/order-saga.asl writes in ASL (IntervalSeconds 1,
 * BackoffRate 2, MaxDelaySeconds 2; MaxAttempts counts retries there,
 * attempts here). */
static const char order_builtin[] =
  "{\"steps\":["
  "{\"name\":\"validate_user\",\"url\":\"http://user-service/api/users/validate\","
  "\"compensation\":{\"name\":\"unlock_user\",\"url\":\"http://user-service/api/users/unlock\"},"
  "\"releaseAtEnd\":true" POLICY "},"
  "{\"name\":\"create_order\",\"url\":\"http://order-service/api/orders\","
  "\"compensation\":{\"name\":\"cancel_order\",\"url\":\"http://order-service/api/orders/compensate\"}"
  POLICY "},"
  "{\"name\":\"process_payment\",\"url\":\"http://payment-service/api/payments\","
  "\"compensation\":{\"name\":\"refund_payment\",\"url\":\"http://payment-service/api/payments/compensate\"},"
  "\"ambiguous\":true" POLICY "},"
  "{\"name\":\"approve_order\",\"url\":\"http://order-service/api/orders/approve\","
  "\"timeout\":\"2s\",\"retry\":" BACKWARD "}]}";

static const char travel_builtin[] =
  "{\"steps\":["
  "{\"name\":\"reserve_flight\",\"url\":\"http://flight-service/api/orders\","
  "\"compensation\":{\"name\":\"cancel_flight\",\"url\":\"http://flight-service/api/orders/compensate\"}"
  POLICY "},"
  "{\"name\":\"reserve_car\",\"url\":\"http://car-service/api/orders\","
  "\"compensation\":{\"name\":\"cancel_car\",\"url\":\"http://car-service/api/orders/compensate\"}"
  POLICY "},"
  "{\"name\":\"process_payment\",\"url\":\"http://payment-service/api/payments\","
  "\"compensation\":{\"name\":\"refund_payment\",\"url\":\"http://payment-service/api/payments/compensate\"},"
  "\"ambiguous\":true" POLICY "}]}";

/* Both payment pods answer 503 from 1 s to 5 s, and large orders are
 * declined: sagas complete, are compensated after the payment gave up,
 * and are compensated after a business refusal. */
#define PAYMENT_FAULTS                                                                  \
  "\"faults\":[{\"at\":\"1s\",\"for\":\"4s\",\"target\":\"payment-service-0\","          \
  "\"error\":{\"status\":503,\"fraction\":1.0}},{\"at\":\"1s\",\"for\":\"4s\","           \
  "\"target\":\"payment-service-1\",\"error\":{\"status\":503,\"fraction\":1.0}}],"
#define COMPARE_TRAFFIC                                                                 \
  "\"traffic\":[{\"name\":\"small\",\"from\":\"client\",\"request\":{\"method\":\"POST\","   \
  "\"url\":\"http://saga-orchestrator/api/saga/start\",\"body\":{\"amount\":100}},"         \
  "\"rate\":20},{\"name\":\"large\",\"from\":\"client\",\"request\":{\"method\":\"POST\","  \
  "\"url\":\"http://saga-orchestrator/api/saga/start\",\"body\":{\"amount\":500}},"         \
  "\"rate\":3}]}"

static const char order_scenario[] =
  "{\"duration\":\"8s\",\"network\":{\"latency\":\"1ms\"},\"resources\":["
  TEST_APP ("user-service", 1) "," TEST_APP ("order-service", 1) ","
  TEST_APP ("payment-service", 2) "," TEST_APP ("saga-orchestrator", 1) ","
  TEST_APP ("client", 1) "],"
  "\"workloads\":{\"user-service\":{\"model\":\"user\"},"
  "\"order-service\":{\"model\":\"order\"},"
  "\"payment-service\":{\"model\":\"payment\",\"declineAbove\":150,\"balance\":1000000},"
  "\"saga-orchestrator\":{\"model\":\"saga-orchestrator\",%s}}," PAYMENT_FAULTS COMPARE_TRAFFIC;

static const char travel_scenario[] =
  "{\"duration\":\"8s\",\"network\":{\"latency\":\"1ms\"},\"resources\":["
  TEST_APP ("flight-service", 1) "," TEST_APP ("car-service", 1) ","
  TEST_APP ("payment-service", 2) "," TEST_APP ("saga-orchestrator", 1) ","
  TEST_APP ("client", 1) "],"
  "\"workloads\":{\"flight-service\":{\"model\":\"order\"},"
  "\"car-service\":{\"model\":\"order\"},"
  "\"payment-service\":{\"model\":\"payment\",\"declineAbove\":150,\"balance\":1000000},"
  "\"saga-orchestrator\":{\"model\":\"saga-orchestrator\",%s}}," PAYMENT_FAULTS COMPARE_TRAFFIC;

typedef struct {
  const char *scenario;
  const char *builtin;
  const char *asl_file;        /* under scenarios/patterns/asl/ */
  const char *const *invariants;
} Comparison;

static const char *const order_invariants[] = {
  "workloads.user-service.database.locked", "workloads.order-service.database.pending",
  "workloads.order-service.database.approved", "workloads.order-service.database.cancelled",
  "workloads.payment-service.database.charged", "workloads.payment-service.database.refunded",
  "workloads.payment-service.database.voided", "traffic.small.status.200",
  "traffic.small.status.409", "traffic.large.status.409", NULL,
};

static const char *const travel_invariants[] = {
  "workloads.flight-service.database.pending", "workloads.flight-service.database.cancelled",
  "workloads.car-service.database.pending", "workloads.car-service.database.cancelled",
  "workloads.payment-service.database.charged", "workloads.payment-service.database.refunded",
  "workloads.payment-service.database.voided", "traffic.small.status.200",
  "traffic.small.status.409", "traffic.large.status.409", NULL,
};

static const Comparison comparisons[] = {
  { order_scenario, order_builtin, "order-saga.asl", order_invariants },
  { travel_scenario, travel_builtin, "travel-saga.asl", travel_invariants },
};

static void
test_same_as_builtin (gconstpointer data)
{
  const Comparison *c = data;
  const char *root = g_getenv ("MESHSIM_SOURCE_ROOT");
  if (root == NULL)
    root = ".";
  g_autofree char *file = g_build_filename (root, "scenarios", "patterns", "asl", c->asl_file,
                                            NULL);
  g_autofree char *builtin_option = g_strdup_printf ("\"saga\":%s", c->builtin);
  g_autofree char *asl_option = g_strdup_printf ("\"definition\":\"%s\"", file);
  g_autofree char *builtin_json = g_strdup_printf (c->scenario, builtin_option);
  g_autofree char *asl_json = g_strdup_printf (c->scenario, asl_option);
  g_auto (TestRun) builtin = { 0 };
  g_auto (TestRun) asl = { 0 };
  test_run (&builtin, builtin_json, 7);
  test_run (&asl, asl_json, 7);
  static const char *const counts[] = {
    "sagas.started", "sagas.completed", "sagas.compensated", "sagas.failed",
    "workloads.saga-orchestrator.sagas.in_flight",
  };
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_test_message ("%s: built-in %g, ASL %g", counts[i], test_value (&builtin, counts[i]),
                      test_value (&asl, counts[i]));
      g_assert_cmpfloat (test_value (&builtin, counts[i]), ==, test_value (&asl, counts[i]));
    }
  for (const char *const *p = c->invariants; *p != NULL; p++)
    {
      g_test_message ("%s: built-in %g, ASL %g", *p, test_value (&builtin, *p),
                      test_value (&asl, *p));
      g_assert_cmpfloat (test_value (&builtin, *p), ==, test_value (&asl, *p));
    }
  /* Both leave money and locks right: the end-of-run invariants hold. */
  g_assert_cmpfloat (test_value (&builtin, "workloads.saga-orchestrator.consistent"), ==, 1);
  g_assert_cmpfloat (test_value (&asl, "workloads.saga-orchestrator.consistent"), ==, 1);
  /* The faults must have made both kinds of compensation happen, or the
   * comparison proves little. */
  g_assert_cmpfloat (test_value (&asl, "sagas.completed"), >, 0);
  g_assert_cmpfloat (test_value (&asl, "workloads.payment-service.database.refunded")
                     + test_value (&asl, "workloads.payment-service.database.voided"), >, 0);
  g_assert_cmpfloat (test_value (&asl, "traffic.large.status.409"), >, 0);
  g_assert_cmpfloat (test_value (&asl, "traffic.small.status.409"), >, 0);
}

/* The shipped scenarios, each run as written and with its definition
 * swapped for the built-in one: the same counts, rows and answers. */
typedef struct {
  const char *file;            /* under scenarios/patterns/ */
  const char *asl;             /* its "definition" member, as written */
  const char *builtin;
  const char *const *invariants;
} ScenarioComparison;

static const ScenarioComparison scenario_comparisons[] = {
  { "saga-asl-order.json", "\"definition\": \"asl/order-saga.asl\"", order_builtin,
    order_invariants },
  { "saga-asl-order-payment-outage.json", "\"definition\": \"asl/order-saga.asl\"",
    order_builtin, order_invariants },
  { "saga-asl-travel.json", "\"definition\": \"asl/travel-saga.asl\"", travel_builtin,
    travel_invariants },
  { "saga-asl-travel-payment-outage.json", "\"definition\": \"asl/travel-saga.asl\"",
    travel_builtin, travel_invariants },
};

static void
run_text (TestRun *run, const char *text, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  run->scenario = ms_scenario_load_data (text, -1, "json", path, dir, &error);
  g_assert_no_error (error);
  run->world = ms_world_new (run->scenario, run->scenario->seed, -1, &error);
  g_assert_no_error (error);
  ms_world_run (run->world, NULL, NULL);
  run->report = ms_world_report (run->world, -1);
}

static void
test_scenario_same_as_builtin (gconstpointer data)
{
  const ScenarioComparison *c = data;
  const char *root = g_getenv ("MESHSIM_SOURCE_ROOT");
  g_autofree char *path = g_build_filename (root ? root : ".", "scenarios", "patterns", c->file,
                                            NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_auto (GStrv) parts = g_strsplit (text, c->asl, -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_autofree char *saga = g_strdup_printf ("\"saga\": %s", c->builtin);
  g_autofree char *builtin_text = g_strjoinv (saga, parts);
  g_auto (TestRun) asl = { 0 };
  g_auto (TestRun) builtin = { 0 };
  run_text (&asl, text, path);
  run_text (&builtin, builtin_text, path);
  static const char *const counts[] = {
    "sagas.started", "sagas.completed", "sagas.compensated", "sagas.failed",
    "workloads.saga-orchestrator.sagas.in_flight", "traffic.orders.status.200",
    "traffic.orders.status.409",
  };
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    g_assert_cmpfloat (test_value (&builtin, counts[i]), ==, test_value (&asl, counts[i]));
  for (const char *const *p = c->invariants; *p != NULL; p++)
    g_assert_cmpfloat (test_value (&builtin, *p), ==, test_value (&asl, *p));
  g_assert_cmpfloat (test_value (&asl, "sagas.started"), >, 100);
  g_assert_cmpfloat (test_value (&builtin, "workloads.saga-orchestrator.consistent"), ==, 1);
  g_assert_cmpfloat (test_value (&asl, "workloads.saga-orchestrator.consistent"), ==, 1);
}

/* One saga of user-1 in the ASL order saga, with an optional crash of
 * the orchestrator; the runs are long enough for any restart. */
static const char crash_scenario[] =
  "{\"duration\":\"5s\",\"network\":{\"latency\":\"1ms\"},%s\"resources\":["
  TEST_APP ("user-service", 1) "," TEST_APP ("order-service", 1) ","
  TEST_APP ("payment-service", 1) "," TEST_APP ("saga-orchestrator", 1) ","
  TEST_APP ("client", 1) "],"
  "\"workloads\":{\"user-service\":{\"model\":\"user\"},"
  "\"order-service\":{\"model\":\"order\"},"
  "\"payment-service\":{\"model\":\"payment\",\"declineAbove\":150},"
  "\"saga-orchestrator\":{\"model\":\"saga-orchestrator\",\"definition\":\"%s\"}},"
  "\"traffic\":[{\"name\":\"s\",\"from\":\"client\",\"request\":{\"method\":\"POST\","
  "\"url\":\"http://saga-orchestrator/api/saga/start\",\"body\":{\"user\":\"user-1\","
  "\"amount\":%d}},\"requests\":1}]}";

static void
run_crash (TestRun *run, int amount, gint64 at_ms)
{
  const char *root = g_getenv ("MESHSIM_SOURCE_ROOT");
  g_autofree char *file = g_build_filename (root ? root : ".", "scenarios", "patterns", "asl",
                                            "order-saga.asl", NULL);
  g_autofree char *fault = at_ms < 0 ? g_strdup ("")
    : g_strdup_printf ("\"faults\":[{\"at\":\"%" G_GINT64_FORMAT "ms\",\"for\":\"10ms\","
                       "\"target\":\"saga-orchestrator\",\"crash\":true}],", at_ms);
  g_autofree char *json = g_strdup_printf (crash_scenario, fault, file, amount);
  test_run (run, json, 1);
}

/* What a saga left behind: its end state and the participants' rows. */
static char *
crash_outcome (const TestRun *run)
{
  MsDeployment *d = ms_cluster_find_deployment (ms_world_cluster (run->world),
                                                "saga-orchestrator");
  const GPtrArray *records = ms_saga_log_records (ms_saga_orchestrator_log (d->model));
  g_assert_cmpuint (records->len, ==, 1);
  const MsSagaRecord *r = records->pdata[0];
  static const char *const rows[] = {
    "workloads.order-service.database.pending", "workloads.order-service.database.approved",
    "workloads.order-service.database.cancelled", "workloads.payment-service.database.charged",
    "workloads.payment-service.database.refunded", "workloads.user-service.database.locked",
    "sagas.completed", "sagas.compensated", "sagas.failed",
  };
  GString *out = g_string_new (ms_saga_state_name (r->state));
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    g_string_append_printf (out, " %g", test_value (run, rows[i]));
  return g_string_free (out, FALSE);
}

/* Commands sent, over every Task of the order saga. */
static double
call_attempts (const TestRun *run)
{
  static const char *const tasks[] = {
    "ValidateUser", "CreateOrder", "ProcessPayment", "ApproveOrder", "ReleaseUser",
    "RefundPayment", "CancelOrder", "UnlockUser",
  };
  double n = 0;
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autofree char *path = g_strdup_printf ("workloads.saga-orchestrator.calls.%s.attempts",
                                               tasks[i]);
      n += test_value (run, path);
    }
  return n;
}

static void
test_crash_every_tick (gconstpointer data)
{
  int amount = GPOINTER_TO_INT (data);
  g_test_summary ("A crash of the orchestrator for 10 ms at any millisecond of an ASL saga "
                  "ends as the crash-free run does: the call in flight is sent again after "
                  "the restart with the same message id, and a wait resumes");
  g_auto (TestRun) free_run = { 0 };
  run_crash (&free_run, amount, -1);
  g_autofree char *expected = crash_outcome (&free_run);
  MsDeployment *d = ms_cluster_find_deployment (ms_world_cluster (free_run.world),
                                                "saga-orchestrator");
  const MsSagaRecord *r = ms_saga_log_records (ms_saga_orchestrator_log (d->model))->pdata[0];
  double resent = 0;
  for (MsTime at = r->started_at + MS_MSEC (1); at <= r->ended_at; at += MS_MSEC (1))
    {
      g_auto (TestRun) run = { 0 };
      run_crash (&run, amount, at / 1000);
      g_autofree char *got = crash_outcome (&run);
      resent += call_attempts (&run) - call_attempts (&free_run);
      if (!g_str_equal (got, expected))
        g_error ("crash at %" G_GINT64_FORMAT " ms: \"%s\", without a crash \"%s\"",
                 at / 1000, got, expected);
    }
  /* Crashes that caught a call in flight made the pod send it again. */
  g_assert_cmpfloat (resent, >, 0);
}

/* One saga against a payment service that takes 3 s to answer, with an
 * inline definition. */
static const char slow_payment[] =
  "{\"duration\":\"20s\",\"network\":{\"latency\":\"1ms\"},\"resources\":["
  TEST_APP ("payment-service", 1) "," TEST_APP ("saga-orchestrator", 1) ","
  TEST_APP ("client", 1) "],"
  "\"workloads\":{\"payment-service\":{\"model\":\"payment\",\"latency\":\"3s\"},"
  "\"saga-orchestrator\":{\"model\":\"saga-orchestrator\",\"definition\":%s}},"
  "\"traffic\":[{\"name\":\"s\",\"from\":\"client\",\"request\":{\"method\":\"POST\","
  "\"url\":\"http://saga-orchestrator/api/saga/start\"},\"requests\":1}]}";

static const MsSagaRecord *
only_record (const TestRun *run)
{
  MsDeployment *d = ms_cluster_find_deployment (ms_world_cluster (run->world),
                                                "saga-orchestrator");
  const GPtrArray *records = ms_saga_log_records (ms_saga_orchestrator_log (d->model));
  g_assert_cmpuint (records->len, ==, 1);
  return records->pdata[0];
}

static void
test_task_timeout_times (void)
{
  g_test_summary ("A Task's TimeoutSeconds is States.Timeout: the attempt sent at 0 times "
                  "out at 1 s, the retry goes at 2 s (IntervalSeconds 1) and times out at "
                  "3 s, then the Catch ends the saga: compensated, 3 s after it started");
  g_autofree char *json = g_strdup_printf (slow_payment,
    "{\"StartAt\":\"Pay\",\"States\":{\"Pay\":{\"Type\":\"Task\","
    "\"Resource\":\"http://payment-service/api/payments\",\"TimeoutSeconds\":1,"
    "\"Retry\":[{\"ErrorEquals\":[\"States.Timeout\"],\"MaxAttempts\":1}],"
    "\"Catch\":[{\"ErrorEquals\":[\"States.TaskFailed\"],\"Next\":\"Wrong\"},"
    "{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"Undo\"}],\"End\":true},"
    "\"Wrong\":{\"Type\":\"Succeed\"},"
    "\"Undo\":{\"Type\":\"Fail\",\"Error\":\"Compensated\"}}}");
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *r = only_record (&run);
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "COMPENSATED");
  g_assert_cmpint (r->ended_at - r->started_at, ==, MS_SEC (3));
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.calls.Pay.attempts"), ==, 2);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.calls.Pay.timeouts"), ==, 2);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.calls.Pay.retries"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.history_events."
                                 "TaskTimedOut"), ==, 2);
  g_assert_cmpfloat (test_value (&run, "traffic.s.status.409"), ==, 1);
}

static void
test_execution_timeout (void)
{
  g_test_summary ("The machine's TimeoutSeconds ends the execution TIMED_OUT while its Task "
                  "is in flight: counted as failed, 500 to the client, 2 s after the start");
  g_autofree char *json = g_strdup_printf (slow_payment,
    "{\"StartAt\":\"Pay\",\"TimeoutSeconds\":2,\"States\":{\"Pay\":{\"Type\":\"Task\","
    "\"Resource\":\"http://payment-service/api/payments\",\"TimeoutSeconds\":10,"
    "\"End\":true}}}");
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  const MsSagaRecord *r = only_record (&run);
  g_assert_cmpstr (ms_saga_state_name (r->state), ==, "FAILED");
  g_assert_cmpint (r->ended_at - r->started_at, ==, MS_SEC (2));
  g_assert_cmpfloat (test_value (&run, "sagas.failed"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.executions.TIMED_OUT"), ==,
                     1);
  g_assert_cmpfloat (test_value (&run, "workloads.saga-orchestrator.history_events."
                                 "ExecutionTimedOut"), ==, 1);
  g_assert_cmpfloat (test_value (&run, "traffic.s.status.500"), ==, 1);
}

static void
test_history_times_as_written (void)
{
  g_test_summary ("GET /api/saga/{id} writes an ASL history's times in milliseconds with the "
                  "digits they have, as the report does: a payment service time of 1002 us "
                  "ends ProcessPayment at 11.002 ms, not json-glib's 11.002000000000001");
  const char *root = g_getenv ("MESHSIM_SOURCE_ROOT");
  g_autofree char *file = g_build_filename (root ? root : ".", "scenarios", "patterns", "asl",
                                            "order-saga.asl", NULL);
  g_autofree char *json = g_strdup_printf (
    "{" NET RESOURCES WORKLOADS (",\"latency\":\"1002us\"", ",\"definition\":\"%s\"")
    "\"traffic\":[" START ("s", "{\"order_id\":\"o-1\",\"user\":\"user-1\"}", 1) "]}", file);
  g_auto (TestRun) run = { 0 };
  test_run (&run, json, 1);
  g_autofree char *answer = saga_api_get (&run, "/api/saga/saga-1");
  g_assert_true (g_str_has_prefix (answer, "200 {"));
  g_assert_nonnull (strstr (answer, ",{\"id\":12,\"type\":\"TaskSucceeded\",\"at_ms\":11.002,"
                            "\"state\":\"ProcessPayment\",\"detail\":\"{\\\"order_id\\\":"
                            "\\\"o-1\\\",\\\"status\\\":\\\"CHARGED\\\",\\\"amount\\\":100}\"},"));
  g_assert_nonnull (strstr (answer, ",\"stop_ms\":17.002,"));
}

/* The end-of-run invariants for ASL sagas. */

/* One saga of user-1: Lock takes the user's lock, Pay times out (the
 * payment service takes 3 s, the Task 1 s) and its Catch enters Refund,
 * which times out too.  The two %s are Refund's Catch and the states it
 * leads to, or nothing. */
#define LEAKY_SAGA                                                                        \
  "{\"StartAt\":\"Lock\",\"States\":{"                                                     \
  "\"Lock\":{\"Type\":\"Task\",\"Resource\":\"http://user-service/api/users/validate\","   \
  "\"ResultPath\":null,\"Next\":\"Pay\"},"                                                 \
  "\"Pay\":{\"Type\":\"Task\",\"Resource\":\"http://payment-service/api/payments\","      \
  "\"TimeoutSeconds\":1,\"ResultPath\":null,\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],"  \
  "\"ResultPath\":\"$.error\",\"Next\":\"Refund\"}],\"Next\":\"Unlock\"},"                  \
  "\"Refund\":{\"Type\":\"Task\",\"Resource\":"                                          \
  "\"http://payment-service/api/payments/compensate\",\"TimeoutSeconds\":1,"                \
  "\"ResultPath\":null%s,\"Next\":\"Undo\"},"                                               \
  "\"Undo\":{\"Type\":\"Task\",\"Resource\":\"http://user-service/api/users/unlock\","     \
  "\"ResultPath\":null,\"Next\":\"Compensated\"},"                                          \
  "\"Unlock\":{\"Type\":\"Task\",\"Resource\":\"http://user-service/api/users/unlock\","   \
  "\"ResultPath\":null,\"End\":true},"                                                       \
  "\"Compensated\":{\"Type\":\"Fail\",\"Error\":\"SagaCompensated\"}%s}}"

/* What the fixed saga adds: Refund's Catch enters Release, which unlocks
 * the user and ends in a Fail state. */
#define RELEASE_CATCH                                                                     \
  ",\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"ResultPath\":\"$.compensationError\","      \
  "\"Next\":\"Release\"}]"
#define RELEASE_STATES                                                                    \
  ",\"Release\":{\"Type\":\"Task\",\"Resource\":\"http://user-service/api/users/unlock\"," \
  "\"ResultPath\":null,\"Next\":\"Failed\"},"                                               \
  "\"Failed\":{\"Type\":\"Fail\",\"Error\":\"SagaFailed\"}"

static void
run_leaky (TestRun *run, const char *refund_catch, const char *states)
{
  g_autofree char *definition = g_strdup_printf (LEAKY_SAGA, refund_catch, states);
  g_autofree char *json = g_strdup_printf (
    "{" NET "\"duration\":\"10s\"," RESOURCES
    WORKLOADS (",\"latency\":\"3s\"", ",\"definition\":%s")
    "\"traffic\":[" START ("s", "{\"order_id\":\"o-1\",\"user\":\"user-1\"}", 1) "]}",
    definition);
  test_run (run, json, 1);
}

static void
test_invariants_lock_left (void)
{
  g_test_summary ("An ASL saga whose Catch chain has no unlock for a compensation that gives "
                  "up ends FAILED with the user still locked: the end-of-run invariants name "
                  "the saga and the lock, and the run fails; a Catch that enters a Task "
                  "releasing the lock, then a Fail state, passes, and still counts as failed");
  g_auto (TestRun) leaky = { 0 };
  run_leaky (&leaky, "", "");
  g_assert_cmpfloat (test_value (&leaky, "sagas.failed"), ==, 1);
  g_assert_cmpfloat (test_value (&leaky, "workloads.user-service.database.locked"), ==, 1);
  g_assert_cmpfloat (test_value (&leaky, "workloads.saga-orchestrator.consistent"), ==, 0);
  MsModel *model = workload_model (&leaky, "saga-orchestrator");
  g_autoptr (GString) problems = g_string_new (NULL);
  g_assert_false (model->klass->verify (model, problems));
  g_assert_cmpstr (problems->str, ==, "saga-1 (order o-1) ended FAILED but it still holds the "
                   "lock on user-1. ");
  g_autoptr (GString) lines = g_string_new (NULL);
  ms_expect_write_text (leaky.report, FALSE, lines);
  g_assert_nonnull (strstr (lines->str, "saga-orchestrator left every saga's money, orders and locks consistent: "
                            "saga-1 (order o-1) ended FAILED but it still holds the lock on "
                            "user-1."));

  g_auto (TestRun) fixed = { 0 };
  run_leaky (&fixed, RELEASE_CATCH, RELEASE_STATES);
  g_assert_cmpfloat (test_value (&fixed, "sagas.failed"), ==, 1);
  g_assert_cmpfloat (test_value (&fixed, "sagas.compensated"), ==, 0);
  g_assert_cmpfloat (test_value (&fixed, "traffic.s.status.500"), ==, 1);
  g_assert_cmpfloat (test_value (&fixed, "workloads.user-service.database.locked"), ==, 0);
  g_assert_cmpfloat (test_value (&fixed, "workloads.saga-orchestrator.consistent"), ==, 1);
}

static void
test_refund_gives_up_same_as_builtin (void)
{
  g_test_summary ("order-saga.asl when the refund gives up (payments take 3 s, Tasks 2 s): "
                  "FAILED as the built-in saga with onCompensationFailure stop, the user's "
                  "lock released by ReleaseUserAfterFailure, the order left PENDING for a "
                  "human, and the same invariant problems as the built-in saga");
  const char *root = g_getenv ("MESHSIM_SOURCE_ROOT");
  g_autofree char *file = g_build_filename (root ? root : ".", "scenarios", "patterns", "asl",
                                            "order-saga.asl", NULL);
  const char *scenario = "{" NET "\"duration\":\"90s\"," RESOURCES
    WORKLOADS (",\"latency\":\"3s\"", ",%s")
    "\"traffic\":[" START ("s", "{\"order_id\":\"o-1\",\"user\":\"user-1\"}", 1) "]}";
  g_autofree char *asl_option = g_strdup_printf ("\"definition\":\"%s\"", file);
  g_autofree char *builtin_option = g_strdup_printf ("\"saga\":%s", order_builtin);
  g_autofree char *asl_json = g_strdup_printf (scenario, asl_option);
  g_autofree char *builtin_json = g_strdup_printf (scenario, builtin_option);
  g_auto (TestRun) asl = { 0 };
  g_auto (TestRun) builtin = { 0 };
  test_run (&asl, asl_json, 1);
  test_run (&builtin, builtin_json, 1);
  GString *problems[2] = { g_string_new (NULL), g_string_new (NULL) };
  TestRun *runs[2] = { &asl, &builtin };
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpfloat (test_value (runs[i], "sagas.failed"), ==, 1);
      g_assert_cmpfloat (test_value (runs[i], "traffic.s.status.500"), ==, 1);
      g_assert_cmpfloat (test_value (runs[i], "workloads.user-service.database.locked"), ==, 0);
      g_assert_cmpfloat (test_value (runs[i], "workloads.order-service.database.pending"), ==, 1);
      MsModel *model = workload_model (runs[i], "saga-orchestrator");
      g_assert_false (model->klass->verify (model, problems[i]));
    }
  g_assert_cmpfloat (test_value (&asl, "workloads.saga-orchestrator.calls."
                                 "ReleaseUserAfterFailure.ok"), ==, 1);
  g_assert_cmpstr (problems[0]->str, ==, "saga-1 (order o-1) ended FAILED but its order in "
                   "order-service is PENDING. ");
  g_assert_cmpstr (problems[0]->str, ==, problems[1]->str);
  g_string_free (problems[0], TRUE);
  g_string_free (problems[1], TRUE);
}

/* Mistakes only the orchestrator's workload can see. */
static const BadDefinition bad_workloads[] = {
  { "resource-not-in-mesh", "\"definition\":{\"StartAt\":\"A\",\"States\":{\"A\":{"
    "\"Type\":\"Task\",\"Resource\":\"http://nowhere/api\",\"End\":true}}}",
    "workloads.saga-orchestrator.definition.States.A.Resource", "nowhere" },
  { "saga-and-definition", "\"saga\":{\"steps\":[]},\"definition\":{}",
    "workloads.saga-orchestrator.saga", "not both" },
  { "definition-not-object", "\"definition\":5", "workloads.saga-orchestrator.definition",
    "expected an ASL state machine" },
  { "definition-file-missing", "\"definition\":\"no-such.asl\"",
    "workloads.saga-orchestrator.definition", "cannot read the definition" },
};

static void
test_bad_workload (gconstpointer data)
{
  const BadDefinition *bad = data;
  g_autofree char *json = g_strdup_printf ("{\"resources\":[" TEST_APP ("payment-service", 1)
                                           "," TEST_APP ("saga-orchestrator", 1) "],"
                                           "\"workloads\":{\"saga-orchestrator\":{\"model\":"
                                           "\"saga-orchestrator\",%s}}}", bad->definition);
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) scenario = ms_scenario_load_data (json, -1, "json", "test.json", ".",
                                                          &error);
  g_assert_no_error (error);
  g_autoptr (MsWorld) world = ms_world_new (scenario, 1, -1, &error);
  g_assert_null (world);
  g_assert_nonnull (error);
  g_assert_true (error->domain == MS_SCENARIO_ERROR);
  g_autofree char *where = g_strdup_printf (": %s: ", bad->path);
  if (strstr (error->message, where) == NULL || strstr (error->message, bad->message) == NULL)
    g_error ("\"%s\" does not name \"%s\" and say \"%s\"", error->message, bad->path,
             bad->message);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/models/asl/definition/good", test_good_definition);
  for (guint i = 0; i < G_N_ELEMENTS (bad_definitions); i++)
    {
      g_autofree char *path = g_strdup_printf ("/models/asl/definition/bad/%s",
                                               bad_definitions[i].name);
      g_test_add_data_func (path, &bad_definitions[i], test_bad_definition);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_workloads); i++)
    {
      g_autofree char *path = g_strdup_printf ("/models/asl/definition/bad-workload/%s",
                                               bad_workloads[i].name);
      g_test_add_data_func (path, &bad_workloads[i], test_bad_workload);
    }
  g_test_add_func ("/models/asl/error/names", test_error_names);
  g_test_add_func ("/models/asl/retry/abc-example", test_retry_abc_example);
  g_test_add_func ("/models/asl/retry/defaults", test_retry_defaults);
  g_test_add_func ("/models/asl/retry/delay-rule", test_retry_delay_rule);
  g_test_add_func ("/models/asl/retry/per-retrier-count-and-reset", test_retry_zero_and_reset);
  g_test_add_func ("/models/asl/catch/order", test_catch_order);
  g_test_add_func ("/models/asl/paths/result-path-merge", test_result_path_merge);
  g_test_add_func ("/models/asl/paths/parameters", test_parameters_and_paths);
  g_test_add_func ("/models/asl/paths/runtime-error-uncaught", test_runtime_error_uncaught);
  for (guint i = 0; i < G_N_ELEMENTS (choice_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/models/asl/choice/%s", choice_cases[i].name);
      g_test_add_data_func (path, &choice_cases[i], test_choice_operator);
    }
  g_test_add_func ("/models/asl/choice/no-match", test_choice_no_match);
  g_test_add_func ("/models/asl/runtime/pass-loop-fails", test_pass_loop_fails);
  g_test_add_func ("/models/asl/runtime/history-limit", test_history_limit);
  g_test_add_func ("/models/asl/history/events", test_history_events);
  g_test_add_data_func ("/models/asl/orchestrator/order-saga-same-as-builtin", &comparisons[0],
                        test_same_as_builtin);
  g_test_add_data_func ("/models/asl/orchestrator/travel-saga-same-as-builtin", &comparisons[1],
                        test_same_as_builtin);
  for (guint i = 0; i < G_N_ELEMENTS (scenario_comparisons); i++)
    {
      g_autofree char *path = g_strdup_printf ("/models/asl/orchestrator/scenario-same-as-builtin/"
                                               "%s", scenario_comparisons[i].file);
      g_test_add_data_func (path, &scenario_comparisons[i], test_scenario_same_as_builtin);
    }
  g_test_add_func ("/models/asl/orchestrator/task-timeout-times", test_task_timeout_times);
  g_test_add_func ("/models/asl/orchestrator/execution-timeout", test_execution_timeout);
  g_test_add_func ("/models/asl/invariants/lock-left-fails-the-run", test_invariants_lock_left);
  g_test_add_func ("/models/asl/invariants/refund-gives-up-same-as-builtin",
                   test_refund_gives_up_same_as_builtin);
  g_test_add_func ("/models/asl/orchestrator/history-times-as-written",
                   test_history_times_as_written);
  g_test_add_data_func ("/models/asl/orchestrator/crash-every-tick/completes",
                        GINT_TO_POINTER (100), test_crash_every_tick);
  g_test_add_data_func ("/models/asl/orchestrator/crash-every-tick/declined",
                        GINT_TO_POINTER (500), test_crash_every_tick);
  return g_test_run ();
}
