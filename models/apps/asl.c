/* models/apps/asl.c - reading and checking an Amazon States Language
 * definition into a table of states.
 *
 * Reading is in two passes.  The first reads every state on its own
 * (type, fields, paths, retriers), keeping the names its transitions
 * use; the second resolves those names to indexes and walks the graph
 * from StartAt, so that a Next naming no state and a state nothing
 * reaches are both reported at the member that is wrong.  Every message
 * carries "file:line:column: States.X.Field:", the JSON path of the
 * mistake, as meshsim's other readers do.
 *
 * Fields that Step Functions knows and meshsim does not run (Parallel,
 * Map, HeartbeatSeconds, ResultSelector, ...) are refused by name as
 * unsupported rather than as unknown, so that a user is not told that a
 * valid definition is misspelt.
 */
#include "models/apps/asl.h"

#include "models/kube/cluster.h"
#include "sim/io/read.h"

#include <string.h>

static const char *const type_names[] = {
  "Task", "Pass", "Choice", "Wait", "Succeed", "Fail", NULL,
};

const char *
ms_asl_type_name (MsAslType type)
{
  g_return_val_if_fail (type <= MS_ASL_FAIL, NULL);
  return type_names[type];
}

/* Known to Step Functions, not run here: refused with their own message. */
static const char *const unsupported_fields[] = {
  "HeartbeatSeconds", "HeartbeatSecondsPath", "TimeoutSecondsPath", "ResultSelector",
  "Credentials", "Arguments", "Output", "Assign", "QueryLanguage", "Timestamp",
  "TimestampPath", "ErrorPath", "CausePath", "ItemProcessor", "Iterator", "Branches", NULL,
};

/* The fields each state type may have, as the spec lists them less the
 * unsupported ones above.  Choice, Succeed and Fail have no Next or End:
 * a Choice moves on by its rules, the other two end the execution, so a
 * Next there is reported as the unknown field it is. */
static const char *const fields_by_type[][14] = {
  [MS_ASL_TASK] = { "Type", "Comment", "Resource", "Parameters", "InputPath", "OutputPath",
                    "ResultPath", "TimeoutSeconds", "Retry", "Catch", "Next", "End", NULL },
  [MS_ASL_PASS] = { "Type", "Comment", "Parameters", "Result", "InputPath", "OutputPath",
                    "ResultPath", "Next", "End", NULL },
  [MS_ASL_CHOICE] = { "Type", "Comment", "Choices", "Default", "InputPath", "OutputPath", NULL },
  [MS_ASL_WAIT] = { "Type", "Comment", "Seconds", "SecondsPath", "InputPath", "OutputPath",
                    "Next", "End", NULL },
  [MS_ASL_SUCCEED] = { "Type", "Comment", "InputPath", "OutputPath", NULL },
  [MS_ASL_FAIL] = { "Type", "Comment", "Error", "Cause", NULL },
};

/* Comparison operators of Choice rules, and their "...Path" forms. */
/* In the order of the MS_ASL_OP_* constants, which group them by family
 * (string, numeric, boolean, type tests) so that a rule's literal can be
 * checked by range.  Each name also stands for its "...Path" form. */
static const char *const compare_names[] = {
  "StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals",
  "StringGreaterThanEquals", "NumericEquals", "NumericLessThan", "NumericGreaterThan",
  "NumericLessThanEquals", "NumericGreaterThanEquals", "BooleanEquals", "IsNull",
  "IsPresent", "IsNumeric", "IsString", "IsBoolean", NULL,
};

/* A transition by name, resolved once every state is read. */
typedef struct {
  int *slot;
  const MsNode *node;
} Pending;

/* The first pass's state: the machine being filled, and the transitions
 * whose names can be resolved only once every state has been read
 * (a Next may name a state further down the file). */
typedef struct {
  MsAslMachine *machine;
  GArray *pending;             /* Pending */
} Reader;

/* Destructors for the table's parts; the MsNode pointers they hold are
 * borrowed from the document and not freed here. */

static void
retrier_free (gpointer data)
{
  MsAslRetrier *r = data;
  g_strfreev (r->errors);
  g_free (r);
}

static void
catcher_free (gpointer data)
{
  MsAslCatcher *c = data;
  g_strfreev (c->errors);
  g_free (c);
}

static void
rule_free (gpointer data)
{
  MsAslRule *rule = data;
  g_clear_pointer (&rule->children, g_ptr_array_unref);
  g_free (rule);
}

static void
state_free (gpointer data)
{
  MsAslState *s = data;
  g_free (s->name);
  g_clear_pointer (&s->retriers, g_ptr_array_unref);
  g_clear_pointer (&s->catchers, g_ptr_array_unref);
  g_clear_pointer (&s->choices, g_ptr_array_unref);
  g_free (s);
}

/* Queues the name in node (a Next, a Default, a catcher's Next) to be
 * resolved into *slot by resolve(); slot must stay put until then, which
 * it does, as states, rules and catchers are heap-allocated. */
static void
want_transition (Reader *reader, int *slot, const MsNode *node)
{
  Pending p = { slot, node };
  g_array_append_val (reader->pending, p);
}

/* A path field: "$" when absent, NULL for a JSON null. */
static gboolean
read_path (const MsNode *object, const char *key, gboolean nullable, const char **out,
           GError **error)
{
  const MsNode *node = ms_node_get (object, key);
  *out = "$";
  if (node == NULL)
    return TRUE;
  if (node->kind == MS_NODE_NULL && nullable)
    {
      *out = NULL;
      return TRUE;
    }
  if (node->kind != MS_NODE_STRING)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_TYPE, "expected a path such as "
                         "\"$.order\"%s, found %s", nullable ? " or null" : "",
                         ms_node_kind_name (node->kind));
  g_autofree char *reason = NULL;
  if (!ms_asl_path_check (node->text, FALSE, &reason))
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE, "%s", reason);
  *out = node->text;
  return TRUE;
}

/* A positive whole number of seconds. */
static gboolean
read_seconds (const MsNode *object, const char *key, gint64 min, MsTime *out, GError **error)
{
  gint64 seconds = -1;
  if (!ms_read_int (object, key, FALSE, min, 99999999, &seconds, error))
    return FALSE;
  if (seconds >= 0)
    *out = MS_SEC (seconds);
  return TRUE;
}

/* ErrorEquals: a non-empty list of names; States.ALL alone.  all is set
 * when it is there. */
static gboolean
read_errors (const MsNode *object, char ***out, gboolean *all, GError **error)
{
  const MsNode *list = NULL;
  if (!ms_read_child (object, "ErrorEquals", MS_NODE_ARRAY, TRUE, &list, error))
    return FALSE;
  if (list->children->len == 0)
    return ms_read_fail (error, list, MS_SCENARIO_ERROR_VALUE,
                         "ErrorEquals needs at least one error name, e.g. [\"States.ALL\"]");
  GStrvBuilder *names = g_strv_builder_new ();
  *all = FALSE;
  for (guint i = 0; i < list->children->len; i++)
    {
      const MsNode *item = list->children->pdata[i];
      if (!ms_read_expect (item, MS_NODE_STRING, error))
        {
          g_strv_builder_unref (names);
          return FALSE;
        }
      if (g_str_equal (item->text, "States.ALL"))
        {
          *all = TRUE;
          if (list->children->len > 1)
            {
              g_strv_builder_unref (names);
              return ms_read_fail (error, item, MS_SCENARIO_ERROR_VALUE,
                                   "States.ALL must appear alone in its ErrorEquals");
            }
        }
      g_strv_builder_add (names, item->text);
    }
  *out = g_strv_builder_end (names);
  g_strv_builder_unref (names);
  return TRUE;
}

/* Retry or Catch: States.ALL only in the last entry. */
static gboolean
check_all_last (const MsNode *list, guint i, gboolean all, GError **error)
{
  if (all && i + 1 < list->children->len)
    return ms_read_fail (error, ms_node_get (list->children->pdata[i], "ErrorEquals"),
                         MS_SCENARIO_ERROR_VALUE, "a %s entry with States.ALL must be the "
                         "last one (the entries after it could never match)", list->key);
  return TRUE;
}

/* Retry: the spec's defaults (IntervalSeconds 1, MaxAttempts 3,
 * BackoffRate 2.0) are set before reading, since the readers leave an
 * absent field untouched.  MaxAttempts 0 is valid and means "never
 * retry this error", which stops later retriers from seeing it too. */
static gboolean
read_retry (MsAslState *state, const MsNode *list, GError **error)
{
  static const char *const fields[] = {
    "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
    "JitterStrategy", NULL,
  };
  static const char *const jitter[] = { "NONE", "FULL", NULL };
  if (list->children->len > MS_ASL_MAX_RETRIERS)
    return ms_read_fail (error, list, MS_SCENARIO_ERROR_TOO_LARGE,
                         "a state has at most %d retriers, found %u", MS_ASL_MAX_RETRIERS,
                         list->children->len);
  for (guint i = 0; i < list->children->len; i++)
    {
      const MsNode *node = list->children->pdata[i];
      MsAslRetrier *r = g_new0 (MsAslRetrier, 1);
      g_ptr_array_add (state->retriers, r);
      r->interval = MS_SEC (1);
      r->backoff_rate = 2.0;
      gint64 attempts = 3;
      int strategy = 0;
      gboolean all = FALSE;
      if (!ms_read_object (node, fields, error)
          || !read_errors (node, &r->errors, &all, error)
          || !check_all_last (list, i, all, error)
          || !read_seconds (node, "IntervalSeconds", 1, &r->interval, error)
          || !ms_read_int (node, "MaxAttempts", FALSE, 0, 99999999, &attempts, error)
          || !ms_read_number (node, "BackoffRate", FALSE, 1.0, 1000.0, &r->backoff_rate, error)
          || !read_seconds (node, "MaxDelaySeconds", 1, &r->max_delay, error)
          || !ms_read_choice (node, "JitterStrategy", FALSE, jitter, &strategy, error))
        return FALSE;
      r->max_attempts = (int) attempts;
      r->full_jitter = strategy == 1;
    }
  return TRUE;
}

/* Catch: each catcher's ResultPath may be null (keep the state's input
 * and drop the error), which read_path distinguishes from absent ("$",
 * the error output replaces the input). */
static gboolean
read_catch (Reader *reader, MsAslState *state, const MsNode *list, GError **error)
{
  static const char *const fields[] = { "ErrorEquals", "Next", "ResultPath", NULL };
  for (guint i = 0; i < list->children->len; i++)
    {
      const MsNode *node = list->children->pdata[i];
      MsAslCatcher *c = g_new0 (MsAslCatcher, 1);
      g_ptr_array_add (state->catchers, c);
      gboolean all = FALSE;
      const char *next = NULL;
      if (!ms_read_object (node, fields, error)
          || !read_errors (node, &c->errors, &all, error)
          || !check_all_last (list, i, all, error)
          || !ms_read_string (node, "Next", TRUE, &next, error)
          || !read_path (node, "ResultPath", TRUE, &c->result_path, error))
        return FALSE;
      want_transition (reader, &c->next, ms_node_get (node, "Next"));
    }
  return TRUE;
}

/* One Choice rule; top says whether it is a member of Choices (which
 * carries Next) rather than nested in And/Or/Not (which must not). */
static MsAslRule *
read_rule (Reader *reader, const MsNode *node, gboolean top, GError **error)
{
  if (!ms_read_expect (node, MS_NODE_OBJECT, error))
    return NULL;
  MsAslRule *rule = g_new0 (MsAslRule, 1);
  rule->op = -1;
  rule->next = -1;
  const MsNode *op_node = NULL;
  for (guint i = 0; i < node->children->len; i++)
    {
      const MsNode *child = node->children->pdata[i];
      const char *key = child->key;
      gboolean known = g_str_equal (key, "Variable") || g_str_equal (key, "Comment")
                       || (top && g_str_equal (key, "Next"));
      int op = -1;
      if (g_str_equal (key, "And"))
        op = MS_ASL_OP_AND;
      else if (g_str_equal (key, "Or"))
        op = MS_ASL_OP_OR;
      else if (g_str_equal (key, "Not"))
        op = MS_ASL_OP_NOT;
      for (int k = 0; op < 0 && compare_names[k] != NULL; k++)
        {
          size_t n = strlen (compare_names[k]);
          if (strncmp (key, compare_names[k], n) == 0
              && (key[n] == '\0' || g_str_equal (key + n, "Path")))
            {
              op = k;
              rule->value_is_path = key[n] != '\0';
            }
        }
      if (known)
        continue;
      if (op < 0)
        {
          rule_free (rule);
          if (g_str_has_prefix (key, "Timestamp") || g_str_has_prefix (key, "StringMatches")
              || g_str_equal (key, "IsTimestamp"))
            {
              ms_read_fail_key (error, child, MS_SCENARIO_ERROR_UNSUPPORTED,
                                "the operator '%s' is not supported; use the String, Numeric, "
                                "Boolean or Is* operators", key);
              return NULL;
            }
          ms_read_fail_key (error, child, MS_SCENARIO_ERROR_UNKNOWN_FIELD,
                            "unknown field '%s' in a Choice rule%s", key,
                            !top && g_str_equal (key, "Next")
                            ? " (only the rules directly in Choices have a Next)" : "");
          return NULL;
        }
      if (op_node != NULL)
        {
          rule_free (rule);
          ms_read_fail_key (error, child, MS_SCENARIO_ERROR_VALUE,
                            "a Choice rule has one operator, found '%s' and '%s'",
                            op_node->key, key);
          return NULL;
        }
      op_node = child;
      rule->op = op;
    }
  if (op_node == NULL)
    {
      rule_free (rule);
      ms_read_fail (error, node, MS_SCENARIO_ERROR_MISSING, "a Choice rule needs an operator "
                    "such as \"StringEquals\", \"NumericGreaterThan\", \"And\" or \"Not\"");
      return NULL;
    }
  rule->node = op_node;
  gboolean ok = TRUE;
  if (rule->op == MS_ASL_OP_AND || rule->op == MS_ASL_OP_OR || rule->op == MS_ASL_OP_NOT)
    {
      rule->children = g_ptr_array_new_with_free_func (rule_free);
      if (ms_node_get (node, "Variable") != NULL)
        ok = ms_read_fail_key (error, ms_node_get (node, "Variable"),
                               MS_SCENARIO_ERROR_VALUE, "And, Or and Not take no Variable; "
                               "put it in the rules inside");
      else if (rule->op == MS_ASL_OP_NOT)
        {
          MsAslRule *inner = read_rule (reader, op_node, FALSE, error);
          ok = inner != NULL;
          if (ok)
            g_ptr_array_add (rule->children, inner);
        }
      else if (!ms_read_expect (op_node, MS_NODE_ARRAY, error))
        ok = FALSE;
      else if (op_node->children->len == 0)
        ok = ms_read_fail (error, op_node, MS_SCENARIO_ERROR_VALUE,
                           "%s needs at least one rule", op_node->key);
      for (guint i = 0; ok && rule->op != MS_ASL_OP_NOT && i < op_node->children->len; i++)
        {
          MsAslRule *inner = read_rule (reader, op_node->children->pdata[i], FALSE, error);
          ok = inner != NULL;
          if (ok)
            g_ptr_array_add (rule->children, inner);
        }
    }
  else
    {
      const MsNode *variable = ms_node_get (node, "Variable");
      g_autofree char *reason = NULL;
      if (variable == NULL)
        ok = ms_read_fail (error, node, MS_SCENARIO_ERROR_MISSING,
                           "'%s' needs a 'Variable', the path of the value to compare",
                           op_node->key);
      else if (!ms_read_expect (variable, MS_NODE_STRING, error))
        ok = FALSE;
      else if (!ms_asl_path_check (variable->text, TRUE, &reason))
        ok = ms_read_fail (error, variable, MS_SCENARIO_ERROR_VALUE, "%s", reason);
      else
        rule->variable = variable->text;
      /* The literal's type follows the operator's family. */
      MsNodeKind want = rule->value_is_path ? MS_NODE_STRING
                        : rule->op <= MS_ASL_OP_STRING_LAST ? MS_NODE_STRING
                        : rule->op <= MS_ASL_OP_NUMERIC_LAST ? MS_NODE_NUMBER : MS_NODE_BOOL;
      if (ok && !ms_read_expect (op_node, want, error))
        ok = FALSE;
      if (ok && rule->value_is_path
          && !ms_asl_path_check (op_node->text, TRUE, &reason))
        ok = ms_read_fail (error, op_node, MS_SCENARIO_ERROR_VALUE, "%s", reason);
    }
  if (ok && top)
    {
      const char *next = NULL;
      ok = ms_read_string (node, "Next", TRUE, &next, error);
      if (ok)
        want_transition (reader, &rule->next, ms_node_get (node, "Next"));
    }
  if (!ok)
    {
      rule_free (rule);
      return NULL;
    }
  return rule;
}

/* A Task: its Resource must be an http:// URL so that the call can go
 * through the mesh; an ARN is refused with a message of its own, as it
 * is the likeliest thing a user copies from an AWS example.  The spec's
 * default TimeoutSeconds is 60. */
static gboolean
read_task (Reader *reader, MsAslState *state, const MsNode *node, GError **error)
{
  const MsNode *retry = NULL, *catch = NULL;
  const MsNode *resource = ms_node_get (node, "Resource");
  state->timeout = MS_SEC (60);
  if (resource != NULL && resource->kind == MS_NODE_STRING
      && g_str_has_prefix (resource->text, "arn:"))
    return ms_read_fail (error, resource, MS_SCENARIO_ERROR_UNSUPPORTED,
                         "AWS ARNs are not simulated: a Task's Resource is the http:// URL of "
                         "a service in the mesh, e.g. \"http://payment-service/api/payments\"");
  if (!ms_read_url (node, "Resource", TRUE, &state->resource, error)
      || !read_seconds (node, "TimeoutSeconds", 1, &state->timeout, error)
      || !ms_read_child (node, "Retry", MS_NODE_ARRAY, FALSE, &retry, error)
      || !ms_read_child (node, "Catch", MS_NODE_ARRAY, FALSE, &catch, error))
    return FALSE;
  state->resource_node = ms_node_get (node, "Resource");
  return (retry == NULL || read_retry (state, retry, error))
         && (catch == NULL || read_catch (reader, state, catch, error));
}

/* A Choice: its rules in order, each with a Next, and an optional
 * Default.  Without a Default, an input no rule matches fails the
 * execution with States.NoChoiceMatched at run time, as the spec says;
 * that is not a load error. */
static gboolean
read_choice (Reader *reader, MsAslState *state, const MsNode *node, GError **error)
{
  const MsNode *choices = NULL;
  const char *fallback = NULL;
  if (!ms_read_child (node, "Choices", MS_NODE_ARRAY, TRUE, &choices, error)
      || !ms_read_string (node, "Default", FALSE, &fallback, error))
    return FALSE;
  if (choices->children->len == 0)
    return ms_read_fail (error, choices, MS_SCENARIO_ERROR_VALUE,
                         "Choices needs at least one rule");
  for (guint i = 0; i < choices->children->len; i++)
    {
      MsAslRule *rule = read_rule (reader, choices->children->pdata[i], TRUE, error);
      if (rule == NULL)
        return FALSE;
      g_ptr_array_add (state->choices, rule);
    }
  if (fallback != NULL)
    want_transition (reader, &state->default_next, ms_node_get (node, "Default"));
  return TRUE;
}

/* A Wait: Seconds or SecondsPath, exactly one; the Timestamp forms need
 * a wall clock the simulation does not have, so they are refused. */
static gboolean
read_wait (MsAslState *state, const MsNode *node, GError **error)
{
  const MsNode *seconds = ms_node_get (node, "Seconds");
  const MsNode *path = ms_node_get (node, "SecondsPath");
  if ((seconds == NULL) == (path == NULL))
    return ms_read_fail (error, seconds ? seconds : node, MS_SCENARIO_ERROR_VALUE,
                         "a Wait state needs exactly one of 'Seconds' and 'SecondsPath'");
  if (seconds != NULL)
    return read_seconds (node, "Seconds", 0, &state->seconds, error);
  g_autofree char *reason = NULL;
  if (!ms_read_expect (path, MS_NODE_STRING, error))
    return FALSE;
  if (!ms_asl_path_check (path->text, FALSE, &reason))
    return ms_read_fail (error, path, MS_SCENARIO_ERROR_VALUE, "%s", reason);
  state->seconds_path = path->text;
  return TRUE;
}

/* Every "key.$" member of a Parameters template, at any depth, holds a
 * path (the input's, or "$$." the context object's). */
static gboolean
check_template (const MsNode *node, GError **error)
{
  if (node->kind != MS_NODE_OBJECT && node->kind != MS_NODE_ARRAY)
    return TRUE;
  for (guint i = 0; i < node->children->len; i++)
    {
      const MsNode *child = node->children->pdata[i];
      g_autofree char *reason = NULL;
      if (child->key != NULL && g_str_has_suffix (child->key, ".$"))
        {
          if (child->kind != MS_NODE_STRING)
            return ms_read_fail (error, child, MS_SCENARIO_ERROR_TYPE, "a member whose name "
                                 "ends in \".$\" takes a path such as \"$.order_id\", found %s",
                                 ms_node_kind_name (child->kind));
          if (!ms_asl_path_check (child->text, TRUE, &reason))
            return ms_read_fail (error, child, MS_SCENARIO_ERROR_VALUE, "%s", reason);
        }
      else if (!check_template (child, error))
        return FALSE;
    }
  return TRUE;
}

/* One member of States.  The checks run from the most specific message
 * to the most general: an unsupported type or field is named as such
 * before the unknown-field check would call it a typo; then the fields
 * common to every type, then the type's own, then Next/End. */
static gboolean
read_state (Reader *reader, const MsNode *node, GError **error)
{
  MsAslState *state = g_new0 (MsAslState, 1);
  g_ptr_array_add (reader->machine->states, state);
  state->name = g_strdup (node->key);
  state->node = node;
  state->next = state->default_next = -1;
  state->retriers = g_ptr_array_new_with_free_func (retrier_free);
  state->catchers = g_ptr_array_new_with_free_func (catcher_free);
  state->choices = g_ptr_array_new_with_free_func (rule_free);
  int type = 0;
  if (!ms_read_expect (node, MS_NODE_OBJECT, error))
    return FALSE;
  const MsNode *type_node = ms_node_get (node, "Type");
  if (type_node != NULL && type_node->kind == MS_NODE_STRING
      && (g_str_equal (type_node->text, "Parallel") || g_str_equal (type_node->text, "Map")))
    return ms_read_fail (error, type_node, MS_SCENARIO_ERROR_UNSUPPORTED,
                         "%s states are not supported; write the branches as a sequence of "
                         "Task states", type_node->text);
  if (!ms_read_choice (node, "Type", TRUE, type_names, &type, error))
    return FALSE;
  state->type = type;
  for (guint i = 0; i < node->children->len; i++)
    {
      const MsNode *child = node->children->pdata[i];
      if (g_strv_contains (unsupported_fields, child->key))
        return ms_read_fail_key (error, child, MS_SCENARIO_ERROR_UNSUPPORTED,
                                 "'%s' is not supported by meshsim's ASL interpreter "
                                 "(docs/saga.md lists what is)", child->key);
    }
  if (!ms_read_object (node, fields_by_type[type], error)
      || !read_path (node, "InputPath", TRUE, &state->input_path, error)
      || !read_path (node, "OutputPath", TRUE, &state->output_path, error)
      || !read_path (node, "ResultPath", TRUE, &state->result_path, error))
    return FALSE;
  state->parameters = ms_node_get (node, "Parameters");
  state->result = ms_node_get (node, "Result");
  if (state->parameters != NULL && (!ms_read_expect (state->parameters, MS_NODE_OBJECT, error)
                                    || !check_template (state->parameters, error)))
    return FALSE;
  switch (state->type)
    {
    case MS_ASL_TASK:
      if (!read_task (reader, state, node, error))
        return FALSE;
      break;
    case MS_ASL_CHOICE:
      if (!read_choice (reader, state, node, error))
        return FALSE;
      break;
    case MS_ASL_WAIT:
      if (!read_wait (state, node, error))
        return FALSE;
      break;
    case MS_ASL_FAIL:
      if (!ms_read_string (node, "Error", FALSE, &state->error, error)
          || !ms_read_string (node, "Cause", FALSE, &state->cause, error))
        return FALSE;
      break;
    default:
      break;
    }
  if (state->type == MS_ASL_TASK || state->type == MS_ASL_PASS || state->type == MS_ASL_WAIT)
    {
      const MsNode *next = ms_node_get (node, "Next");
      gboolean end = FALSE;
      if (!ms_read_bool (node, "End", FALSE, &end, error))
        return FALSE;
      if (next != NULL && end)
        return ms_read_fail_key (error, ms_node_get (node, "End"), MS_SCENARIO_ERROR_VALUE,
                                 "a state has either 'Next' or \"End\": true, not both");
      if (next == NULL && !end)
        return ms_read_fail (error, node, MS_SCENARIO_ERROR_MISSING,
                             "a %s state needs 'Next' (the state that follows) or "
                             "\"End\": true", type_names[type]);
      if (next != NULL)
        {
          const char *name = NULL;
          if (!ms_read_string (node, "Next", TRUE, &name, error))
            return FALSE;
          want_transition (reader, &state->next, next);
        }
    }
  return TRUE;
}

/* Every state reachable from StartAt, by Next, Default, Choices and
 * Catch. */
static void
mark_reachable (const MsAslMachine *m, int k, gboolean *seen)
{
  if (k < 0 || seen[k])
    return;
  seen[k] = TRUE;
  const MsAslState *s = m->states->pdata[k];
  mark_reachable (m, s->next, seen);
  mark_reachable (m, s->default_next, seen);
  for (guint i = 0; i < s->catchers->len; i++)
    mark_reachable (m, ((MsAslCatcher *) s->catchers->pdata[i])->next, seen);
  for (guint i = 0; i < s->choices->len; i++)
    mark_reachable (m, ((MsAslRule *) s->choices->pdata[i])->next, seen);
}

/* The second pass: every queued name becomes an index (or an error at
 * the member that names it, with a did-you-mean), StartAt is looked up,
 * and every state must be reachable.  An unreachable state is an error
 * rather than a warning because Step Functions refuses it too, and it
 * is nearly always a Next that points at the wrong state. */
static gboolean
resolve (Reader *reader, const MsNode *root, GError **error)
{
  MsAslMachine *m = reader->machine;
  for (guint i = 0; i < reader->pending->len; i++)
    {
      Pending *p = &g_array_index (reader->pending, Pending, i);
      *p->slot = ms_asl_machine_find (m, p->node->text);
      if (*p->slot < 0)
        {
          g_autoptr (GPtrArray) names = g_ptr_array_new ();
          for (guint k = 0; k < m->states->len; k++)
            g_ptr_array_add (names, ((MsAslState *) m->states->pdata[k])->name);
          g_ptr_array_add (names, NULL);
          const char *guess = ms_read_suggest (p->node->text, (const char *const *) names->pdata);
          return ms_read_fail (error, p->node, MS_SCENARIO_ERROR_REFERENCE,
                               "%s points to \"%s\", which is not a state%s%s%s",
                               p->node->key ? p->node->key : "Next", p->node->text,
                               guess ? " (did you mean \"" : "", guess ? guess : "",
                               guess ? "\"?)" : "");
        }
    }
  const MsNode *start = ms_node_get (root, "StartAt");
  m->start = ms_asl_machine_find (m, start->text);
  if (m->start < 0)
    return ms_read_fail (error, start, MS_SCENARIO_ERROR_REFERENCE,
                         "StartAt names \"%s\", which is not a state", start->text);
  g_autofree gboolean *seen = g_new0 (gboolean, m->states->len);
  mark_reachable (m, m->start, seen);
  for (guint k = 0; k < m->states->len; k++)
    if (!seen[k])
      {
        const MsAslState *s = m->states->pdata[k];
        return ms_read_fail_key (error, s->node, MS_SCENARIO_ERROR_VALUE,
                                 "the state \"%s\" cannot be reached from StartAt (no Next, "
                                 "Default, Choice or Catch leads to it)", s->name);
      }
  return TRUE;
}

/* A definition given as a path: read relative to the directory of the
 * file that names it (the scenario), kept in m->own_root so that the
 * states' node pointers stay valid for the machine's life. */
static const MsNode *
load_file (MsAslMachine *m, const MsNode *node, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (node->file);
  g_autofree char *path = g_path_is_absolute (node->text) ? g_strdup (node->text)
                          : g_build_filename (dir, node->text, NULL);
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) docs = ms_node_load_file (path, &local);
  if (docs == NULL)
    {
      if (local->domain == MS_NODE_ERROR && local->code == MS_NODE_ERROR_IO)
        ms_read_fail (error, node, MS_SCENARIO_ERROR_REFERENCE, "cannot read the definition "
                      "\"%s\": %s (paths are relative to the scenario file)", node->text,
                      local->message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (docs->len != 1)
    {
      ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                    "the definition file \"%s\" must hold one document, found %u",
                    node->text, docs->len);
      return NULL;
    }
  m->own_root = g_ptr_array_steal_index (docs, 0);
  return m->own_root;
}

/* The top level; the states are read in file order, so that the first
 * mistake in the file is the one reported. */
MsAslMachine *
ms_asl_machine_parse (const MsNode *node, GError **error)
{
  static const char *const fields[] = {
    "StartAt", "States", "Comment", "TimeoutSeconds", "Version", NULL,
  };
  g_return_val_if_fail (node != NULL, NULL);
  g_autoptr (MsAslMachine) m = g_new0 (MsAslMachine, 1);
  m->states = g_ptr_array_new_with_free_func (state_free);
  if (node->kind == MS_NODE_STRING && (node = load_file (m, node, error)) == NULL)
    return NULL;
  const MsNode *states = NULL;
  const char *start = NULL, *comment = NULL, *version = NULL;
  if (!ms_read_object (node, fields, error)
      || !ms_read_string (node, "StartAt", TRUE, &start, error)
      || !ms_read_child (node, "States", MS_NODE_OBJECT, TRUE, &states, error)
      || !ms_read_string (node, "Comment", FALSE, &comment, error)
      || !ms_read_string (node, "Version", FALSE, &version, error)
      || !read_seconds (node, "TimeoutSeconds", 1, &m->timeout, error))
    return NULL;
  if (states->children->len == 0)
    {
      ms_read_fail (error, states, MS_SCENARIO_ERROR_VALUE, "States needs at least one state");
      return NULL;
    }
  m->comment = g_strdup (comment);
  Reader reader = { m, g_array_new (FALSE, FALSE, sizeof (Pending)) };
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < states->children->len; i++)
    ok = read_state (&reader, states->children->pdata[i], error);
  ok = ok && resolve (&reader, node, error);
  g_array_unref (reader.pending);
  return ok ? g_steal_pointer (&m) : NULL;
}

/* Each Task's Resource must name a Service the orchestrator's pods can
 * reach; the port is filled in from the Service, as for the built-in
 * saga's URLs. */
gboolean
ms_asl_machine_bind (MsAslMachine *m, MsCluster *cluster, const char *namespace_,
                     GError **error)
{
  for (guint k = 0; k < m->states->len; k++)
    {
      MsAslState *s = m->states->pdata[k];
      int port = 0;
      if (s->type != MS_ASL_TASK)
        continue;
      if (ms_cluster_check_url (cluster, &s->resource, namespace_, s->resource_node, &port,
                                error) == NULL)
        return FALSE;
      s->resource.port = port;
    }
  return TRUE;
}

int
ms_asl_machine_find (const MsAslMachine *m, const char *name)
{
  for (guint k = 0; k < m->states->len; k++)
    if (g_str_equal (((MsAslState *) m->states->pdata[k])->name, name))
      return (int) k;
  return -1;
}

void
ms_asl_machine_free (MsAslMachine *m)
{
  if (m == NULL)
    return;
  g_clear_pointer (&m->states, g_ptr_array_unref);
  g_free (m->comment);
  g_clear_pointer (&m->own_root, ms_node_free);
  g_free (m);
}
