/* models/apps/asl-exec.c - running an ASL state machine: Choice rules,
 * retriers and catchers, and the execution's history (paths and error
 * names are in asl-path.c).
 *
 * The execution never waits and never sends: each entry point moves it
 * as far as it can go without the outside world (through Pass and Choice
 * states) and stops at the first thing only the caller can do, a Task's
 * call or a wait, which it returns as an MsAslAction.  Time comes in as
 * an argument and is only written into the history.
 *
 * The data between states is a json-glib tree.  "$$." paths read the
 * context object ($$.Execution.Id, $$.State.Name, ...).  A path that
 * names nothing is a States.Runtime error, which, as in Step Functions,
 * no Retry or Catch handles: the execution fails.
 */
#include "models/apps/asl.h"

#include "sim/core/random.h"

#include <string.h>

/* Executions. */

static const char *const status_names[] = { "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT" };

const char *
ms_asl_status_name (MsAslStatus status)
{
  g_return_val_if_fail (status <= MS_ASL_TIMED_OUT, NULL);
  return status_names[status];
}

/* Everything an execution is, so that it can be kept by the Deployment
 * and outlive the pod that drives it (saga-asl.c's crash handling).
 * Invariant: status is RUNNING exactly when current >= 0. */
struct _MsAslExecution {
  const MsAslMachine *machine;
  char *name;
  MsAslStatus status;
  int current;                 /* the state in progress, -1 when ended */
  JsonNode *input;             /* the current state's raw input */
  JsonNode *execution_input;   /* for $$.Execution.Input */
  JsonNode *held;              /* a Wait's output, or a Task's effective input */
  int retries[MS_ASL_MAX_RETRIERS]; /* per retrier of the current state */
  int attempt;                 /* of the Task in progress, from 1 */
  gboolean retrying;           /* a WAIT returned for a retrier's delay */
  JsonNode *output;
  char *error, *cause;
  guint caught;                /* Catch transitions taken, over the whole run */
  gboolean fail_state;         /* it ended in a Fail state, not by an uncaught error */
  int hops;                    /* states entered since the caller last called in */
  MsTime entered_at;
  GPtrArray *history;
  MsRandom random;             /* FULL jitter's draws */
};

void
ms_asl_action_clear (MsAslAction *action)
{
  g_clear_pointer (&action->body, g_free);
  *action = (MsAslAction) { 0 };
}

static void
event_free (gpointer data)
{
  MsAslEvent *e = data;
  g_free (e->error);
  g_free (e->cause);
  g_free (e->detail);
  g_free (e);
}

/* Appends an event about the current state (none once ended).  type
 * must be interned: events point at it rather than copy it. */
static MsAslEvent *
record (MsAslExecution *x, const char *type, MsTime now)
{
  MsAslEvent *e = g_new0 (MsAslEvent, 1);
  e->id = (int) x->history->len + 1;
  e->type = type;
  e->at = now;
  if (x->current >= 0)
    e->state = ((MsAslState *) x->machine->states->pdata[x->current])->name;
  g_ptr_array_add (x->history, e);
  return e;
}

/* "<Type>State<what>", interned so that events can point at it. */
static const char *
state_event (const MsAslState *s, const char *what)
{
  g_autofree char *name = g_strdup_printf ("%sState%s", ms_asl_type_name (s->type), what);
  return g_intern_string (name);
}

static char *
to_text (JsonNode *node)
{
  return node != NULL ? json_to_string (node, FALSE) : g_strdup ("null");
}

/* The execution is over.  action may be NULL when no caller waits for
 * one (the machine's own timeout, which the caller fires). */
static void
end (MsAslExecution *x, MsAslStatus status, const char *error, const char *cause, MsTime now,
     MsAslAction *action)
{
  static const char *const types[] = {
    NULL, "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut",
  };
  x->status = status;
  x->current = -1;
  g_free (x->error);
  g_free (x->cause);
  x->error = g_strdup (error);
  x->cause = g_strdup (cause);
  MsAslEvent *e = record (x, g_intern_static_string (types[status]), now);
  e->error = g_strdup (error);
  e->cause = g_strdup (cause);
  if (status == MS_ASL_SUCCEEDED)
    e->detail = to_text (x->output);
  if (action != NULL)
    action->type = MS_ASL_ACTION_END;
}

/* A States.Runtime error: no Retry or Catch applies. */
static void
runtime_error (MsAslExecution *x, const char *cause, MsTime now, MsAslAction *action)
{
  end (x, MS_ASL_FAILED, "States.Runtime", cause, now, action);
}

/* An MsNode (a Result, a Parameters literal) as json-glib. */
/* Literals in the definition (a Pass's Result, Parameters' fixed
 * members, Choice values) are MsNode trees; the data flowing between
 * states is json-glib's.  Integers stay integers, so that an amount
 * written as 100 reaches a participant as 100, not 100.0. */
static JsonNode *
from_node (const MsNode *node)
{
  JsonNode *out = json_node_new (JSON_NODE_VALUE);
  switch (node->kind)
    {
    case MS_NODE_NULL:
      json_node_init_null (out);
      break;
    case MS_NODE_BOOL:
      json_node_set_boolean (out, node->boolean);
      break;
    case MS_NODE_NUMBER:
      if (node->is_integer)
        json_node_set_int (out, node->integer);
      else
        json_node_set_double (out, node->number);
      break;
    case MS_NODE_STRING:
      json_node_set_string (out, node->text);
      break;
    case MS_NODE_ARRAY:
      {
        JsonArray *array = json_array_new ();
        for (guint i = 0; i < node->children->len; i++)
          json_array_add_element (array, from_node (node->children->pdata[i]));
        json_node_init_array (out, array);
        json_array_unref (array);
      }
      break;
    case MS_NODE_OBJECT:
      {
        JsonObject *object = json_object_new ();
        for (guint i = 0; i < node->children->len; i++)
          {
            const MsNode *child = node->children->pdata[i];
            json_object_set_member (object, child->key, from_node (child));
          }
        json_node_init_object (out, object);
        json_object_unref (object);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  return out;
}

/* The context object for "$$." paths. */
/* Built on each use rather than kept up to date: only "$$." paths need
 * it, and they are rare (one per Parameters member that asks). */
static JsonNode *
context_object (MsAslExecution *x)
{
  const MsAslState *s = x->machine->states->pdata[x->current];
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "Execution");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "Id");
  json_builder_add_string_value (b, x->name);
  json_builder_set_member_name (b, "Name");
  json_builder_add_string_value (b, x->name);
  json_builder_set_member_name (b, "Input");
  json_builder_add_value (b, json_node_copy (x->execution_input));
  json_builder_end_object (b);
  json_builder_set_member_name (b, "State");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "Name");
  json_builder_add_string_value (b, s->name);
  json_builder_set_member_name (b, "RetryCount");
  json_builder_add_int_value (b, MAX (x->attempt - 1, 0));
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* Looks path up in data or, for "$$", in the context; a copy, or NULL
 * with *missing set to the path. */
static JsonNode *
lookup (MsAslExecution *x, JsonNode *data, const char *path, const char **missing)
{
  JsonNode *found = NULL;
  if (g_str_has_prefix (path, "$$"))
    {
      g_autoptr (JsonNode) context = context_object (x);
      g_autofree char *inner = g_strdup (path + 1);
      found = ms_asl_path_get (context, inner);
      found = found ? json_node_copy (found) : NULL;
    }
  else
    {
      found = ms_asl_path_get (data, path);
      found = found ? json_node_copy (found) : NULL;
    }
  if (found == NULL)
    *missing = path;
  return found;
}

/* Parameters: the template with every "key.$" replaced by what its path
 * names.  NULL with *missing set when a path names nothing. */
static JsonNode *
fill (MsAslExecution *x, const MsNode *template, JsonNode *input, const char **missing)
{
  if (template->kind != MS_NODE_OBJECT)
    return from_node (template);
  JsonObject *object = json_object_new ();
  for (guint i = 0; i < template->children->len; i++)
    {
      const MsNode *child = template->children->pdata[i];
      JsonNode *value = NULL;
      if (g_str_has_suffix (child->key, ".$") && child->kind == MS_NODE_STRING)
        {
          g_autofree char *key = g_strndup (child->key, strlen (child->key) - 2);
          value = lookup (x, input, child->text, missing);
          if (value != NULL)
            json_object_set_member (object, key, value);
        }
      else
        {
          value = fill (x, child, input, missing);
          if (value != NULL)
            json_object_set_member (object, child->key, value);
        }
      if (value == NULL)
        {
          json_object_unref (object);
          return NULL;
        }
    }
  JsonNode *out = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (out, object);
  return out;
}

/* InputPath or OutputPath: a copy of what path names; NULL path gives {}. */
static JsonNode *
select_path (MsAslExecution *x, JsonNode *data, const char *path, const char **missing)
{
  if (path == NULL)
    {
      JsonNode *empty = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (empty, json_object_new ());
      return empty;
    }
  return lookup (x, data, path, missing);
}

/* ResultPath: result placed into a copy of input.  NULL when the path
 * crosses something that is not an object. */
/* The spec's rule for ResultPath: the result goes into the state's raw
 * input (not its effective input), so a Task whose Parameters picked a
 * few members still passes the whole input on. */
static JsonNode *
merge (JsonNode *input, const char *path, JsonNode *result)
{
  JsonNode *out = json_node_copy (input);
  if (path == NULL)
    return out;
  if (!ms_asl_path_set (&out, path, json_node_copy (result)))
    {
      json_node_unref (out);
      return NULL;
    }
  return out;
}

static void enter (MsAslExecution *x, int k, JsonNode *input, MsTime now, MsAslAction *action);

/* Leaves the current state with output (transfer full) for the next. */
static void
leave (MsAslExecution *x, int next, JsonNode *output, MsTime now, MsAslAction *action)
{
  const MsAslState *s = x->machine->states->pdata[x->current];
  MsAslEvent *e = record (x, state_event (s, "Exited"), now);
  e->detail = to_text (output);
  if (next >= 0)
    {
      enter (x, next, output, now, action);
      return;
    }
  g_clear_pointer (&x->output, json_node_unref);
  x->output = output;
  end (x, MS_ASL_SUCCEEDED, NULL, NULL, now, action);
}

static gboolean
is_number (JsonNode *n)
{
  return JSON_NODE_HOLDS_VALUE (n) && (json_node_get_value_type (n) == G_TYPE_INT64
                                       || json_node_get_value_type (n) == G_TYPE_DOUBLE);
}

static gboolean
is_type (JsonNode *n, GType type)
{
  return JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == type;
}

/* One comparison: -1 below, 0 equal, 1 above; 2 when the kinds differ
 * (then every comparison is false, as in Step Functions). */
static int
compare (int op, JsonNode *a, JsonNode *b)
{
  if (op <= MS_ASL_OP_STRING_LAST)
    {
      if (!is_type (a, G_TYPE_STRING) || !is_type (b, G_TYPE_STRING))
        return 2;
      int c = strcmp (json_node_get_string (a), json_node_get_string (b));
      return (c > 0) - (c < 0);
    }
  if (op <= MS_ASL_OP_NUMERIC_LAST)
    {
      if (!is_number (a) || !is_number (b))
        return 2;
      double da = json_node_get_double (a), db = json_node_get_double (b);
      return (da > db) - (da < db);
    }
  if (!is_type (a, G_TYPE_BOOLEAN) || !is_type (b, G_TYPE_BOOLEAN))
    return 2;
  return json_node_get_boolean (a) == json_node_get_boolean (b) ? 0 : 2;
}

/* A rule's truth; *missing set when a path it reads names nothing. */
static gboolean
holds (MsAslExecution *x, const MsAslRule *rule, JsonNode *input, const char **missing)
{
  switch (rule->op)
    {
    case MS_ASL_OP_AND:
    case MS_ASL_OP_OR:
      for (guint i = 0; i < rule->children->len; i++)
        {
          gboolean h = holds (x, rule->children->pdata[i], input, missing);
          if (*missing != NULL)
            return FALSE;
          if (h != (rule->op == MS_ASL_OP_AND))
            return h;
        }
      return rule->op == MS_ASL_OP_AND;
    case MS_ASL_OP_NOT:
      return !holds (x, rule->children->pdata[0], input, missing);
    default:
      break;
    }
  const char *ignored = NULL;
  g_autoptr (JsonNode) value = lookup (x, input, rule->variable, &ignored);
  if (rule->op == MS_ASL_OP_IS_PRESENT)
    return (value != NULL) == rule->node->boolean;
  if (value == NULL)
    {
      *missing = rule->variable;
      return FALSE;
    }
  switch (rule->op)
    {
    case MS_ASL_OP_IS_NULL:
      return JSON_NODE_HOLDS_NULL (value) == rule->node->boolean;
    case MS_ASL_OP_IS_NUMERIC:
      return is_number (value) == rule->node->boolean;
    case MS_ASL_OP_IS_STRING:
      return is_type (value, G_TYPE_STRING) == rule->node->boolean;
    case MS_ASL_OP_IS_BOOLEAN:
      return is_type (value, G_TYPE_BOOLEAN) == rule->node->boolean;
    default:
      break;
    }
  g_autoptr (JsonNode) other = rule->value_is_path ? lookup (x, input, rule->node->text, missing)
                               : from_node (rule->node);
  if (other == NULL)
    return FALSE;
  int c = compare (rule->op, value, other);
  if (c == 2)
    return FALSE;
  switch (rule->op)
    {
    case MS_ASL_OP_STRING_LT:
    case MS_ASL_OP_NUMERIC_LT:
      return c < 0;
    case MS_ASL_OP_STRING_GT:
    case MS_ASL_OP_NUMERIC_GT:
      return c > 0;
    case MS_ASL_OP_STRING_LE:
    case MS_ASL_OP_NUMERIC_LE:
      return c <= 0;
    case MS_ASL_OP_STRING_GE:
    case MS_ASL_OP_NUMERIC_GE:
      return c >= 0;
    default:
      return c == 0;
    }
}

/* One attempt of the current Task: TaskScheduled, and a CALL whose body
 * is the effective input computed when the state was entered, the same
 * for every retry (a retry repeats the command, it does not recompute
 * it). */
static void
schedule_task (MsAslExecution *x, const MsAslState *s, MsTime now, MsAslAction *action)
{
  x->attempt++;
  MsAslEvent *e = record (x, g_intern_static_string ("TaskScheduled"), now);
  e->detail = g_strdup_printf ("POST http://%s%s", s->resource.host, s->resource.path);
  action->type = MS_ASL_ACTION_CALL;
  action->state = s;
  action->body = to_text (x->held);
}

/* States entered in a row without a Task or a Wait.  enter() recurses
 * through leave(), so a loop made only of Pass and Choice states would
 * exhaust the stack; Step Functions lets it run until the history's
 * 25,000-event limit fails the execution, and meshsim fails it here. */
#define MAX_HOPS 1000

/* Step Functions' limit on one execution's history; it also ends loops
 * through Wait states of 0 seconds, which would otherwise hold the
 * virtual clock still. */
#define MAX_HISTORY 25000

/* Runs state k on input (transfer full), and on through the states that
 * need nothing from outside. */
static void
enter (MsAslExecution *x, int k, JsonNode *input, MsTime now, MsAslAction *action)
{
  const MsAslState *s = x->machine->states->pdata[k];
  const char *missing = NULL;
  g_clear_pointer (&x->input, json_node_unref);
  g_clear_pointer (&x->held, json_node_unref);
  x->input = input;
  x->current = k;
  x->attempt = 0;
  x->retrying = FALSE;
  x->entered_at = now;
  memset (x->retries, 0, sizeof x->retries);
  MsAslEvent *entered = record (x, state_event (s, "Entered"), now);
  entered->detail = to_text (input);
  if (++x->hops > MAX_HOPS)
    {
      runtime_error (x, "more than 1000 states in a row without a Task or a Wait: a loop of "
                     "Pass and Choice states that never ends", now, action);
      return;
    }
  if (x->history->len > MAX_HISTORY)
    {
      runtime_error (x, "the execution's history passed 25000 events", now, action);
      return;
    }
  if (s->type == MS_ASL_FAIL)
    {
      x->fail_state = TRUE;
      end (x, MS_ASL_FAILED, s->error, s->cause, now, action);
      return;
    }
  g_autoptr (JsonNode) effective = select_path (x, input, s->input_path, &missing);
  if (effective != NULL && s->parameters != NULL)
    {
      JsonNode *filled = fill (x, s->parameters, effective, &missing);
      json_node_unref (effective);
      effective = filled;
    }
  if (effective == NULL)
    {
      g_autofree char *cause = g_strdup_printf ("the path %s in state %s names nothing in "
                                                "the state's input", missing, s->name);
      runtime_error (x, cause, now, action);
      return;
    }
  switch (s->type)
    {
    case MS_ASL_TASK:
      x->held = g_steal_pointer (&effective);
      schedule_task (x, s, now, action);
      return;
    case MS_ASL_WAIT:
      {
        MsTime delay = s->seconds;
        if (s->seconds_path != NULL)
          {
            JsonNode *n = ms_asl_path_get (effective, s->seconds_path);
            if (n == NULL || !is_number (n) || json_node_get_double (n) < 0)
              {
                g_autofree char *cause = g_strdup_printf ("SecondsPath %s of state %s is not "
                                                          "a number of seconds",
                                                          s->seconds_path, s->name);
                runtime_error (x, cause, now, action);
                return;
              }
            delay = (MsTime) (json_node_get_double (n) * 1e6);
          }
        x->held = g_steal_pointer (&effective);
        action->type = MS_ASL_ACTION_WAIT;
        action->state = s;
        action->delay = delay;
        return;
      }
    case MS_ASL_CHOICE:
      {
        int next = -1;
        for (guint i = 0; next < 0 && i < s->choices->len && missing == NULL; i++)
          {
            const MsAslRule *rule = s->choices->pdata[i];
            if (holds (x, rule, effective, &missing))
              next = rule->next;
          }
        if (missing != NULL)
          {
            g_autofree char *cause = g_strdup_printf ("the Variable %s in state %s names "
                                                      "nothing in the input", missing, s->name);
            runtime_error (x, cause, now, action);
            return;
          }
        if (next < 0)
          next = s->default_next;
        if (next < 0)
          {
            g_autofree char *cause = g_strdup_printf ("no rule of %s matched and it has no "
                                                      "Default", s->name);
            end (x, MS_ASL_FAILED, "States.NoChoiceMatched", cause, now, action);
            return;
          }
        JsonNode *output = select_path (x, effective, s->output_path, &missing);
        if (output == NULL)
          break;
        leave (x, next, output, now, action);
        return;
      }
    default:
      {
        /* Pass and Succeed. */
        JsonNode *result = s->type == MS_ASL_PASS && s->result != NULL
                           ? from_node (s->result) : json_node_copy (effective);
        g_autoptr (JsonNode) merged = s->type == MS_ASL_PASS
                                      ? merge (input, s->result_path, result)
                                      : json_node_copy (effective);
        json_node_unref (result);
        JsonNode *output = merged ? select_path (x, merged, s->output_path, &missing) : NULL;
        if (output == NULL)
          break;
        leave (x, s->type == MS_ASL_SUCCEED ? -1 : s->next, output, now, action);
        return;
      }
    }
  g_autofree char *cause = g_strdup_printf ("the output of state %s could not be built "
                                            "(ResultPath or OutputPath names nothing usable)",
                                            s->name);
  runtime_error (x, cause, now, action);
}

MsAslExecution *
ms_asl_execution_new (const MsAslMachine *machine, const char *name, JsonNode *input,
                      MsTime now, guint64 seed, MsAslAction *action)
{
  g_return_val_if_fail (machine != NULL && input != NULL && action != NULL, NULL);
  MsAslExecution *x = g_new0 (MsAslExecution, 1);
  x->machine = machine;
  x->name = g_strdup (name);
  x->current = -1;
  x->execution_input = json_node_copy (input);
  input = json_node_copy (input);
  x->history = g_ptr_array_new_with_free_func (event_free);
  ms_random_seed (&x->random, seed);
  *action = (MsAslAction) { 0 };
  MsAslEvent *e = record (x, g_intern_static_string ("ExecutionStarted"), now);
  e->detail = to_text (input);
  enter (x, machine->start, input, now, action);
  return x;
}

/* A Task's result: ResultPath places it, OutputPath selects the state's
 * output, and the execution moves on. */
void
ms_asl_execution_succeed (MsAslExecution *x, JsonNode *result, MsTime now,
                          MsAslAction *action)
{
  g_return_if_fail (x->status == MS_ASL_RUNNING);
  const MsAslState *s = x->machine->states->pdata[x->current];
  g_return_if_fail (s->type == MS_ASL_TASK);
  *action = (MsAslAction) { 0 };
  x->hops = 0;
  MsAslEvent *e = record (x, g_intern_static_string ("TaskSucceeded"), now);
  e->detail = to_text (result);
  const char *missing = NULL;
  g_autoptr (JsonNode) merged = merge (x->input, s->result_path, result);
  JsonNode *output = merged ? select_path (x, merged, s->output_path, &missing) : NULL;
  if (output == NULL)
    {
      g_autofree char *cause = g_strdup_printf ("the result of %s does not fit its ResultPath "
                                                "or OutputPath", s->name);
      runtime_error (x, cause, now, action);
      return;
    }
  leave (x, s->next, output, now, action);
}

void
ms_asl_execution_fail (MsAslExecution *x, const char *error, const char *cause, MsTime now,
                       MsAslAction *action)
{
  g_return_if_fail (x->status == MS_ASL_RUNNING);
  const MsAslState *s = x->machine->states->pdata[x->current];
  g_return_if_fail (s->type == MS_ASL_TASK);
  *action = (MsAslAction) { 0 };
  x->hops = 0;
  gboolean timeout = g_str_equal (error, "States.Timeout");
  MsAslEvent *e = record (x, g_intern_static_string (timeout ? "TaskTimedOut" : "TaskFailed"),
                          now);
  e->error = g_strdup (error);
  e->cause = g_strdup (cause);
  /* The first retrier that names the error decides: when its own count
   * is used up, the error goes to the catchers even if a later retrier
   * would also match (the spec's ErrorA/ErrorB/ErrorC example). */
  for (guint i = 0; i < s->retriers->len; i++)
    {
      const MsAslRetrier *r = s->retriers->pdata[i];
      gboolean match = FALSE;
      for (char **p = r->errors; !match && *p != NULL; p++)
        match = ms_asl_error_matches (*p, error);
      if (!match)
        continue;
      int *count = &x->retries[i];
      if (*count >= r->max_attempts)
        break;
      action->type = MS_ASL_ACTION_WAIT;
      action->state = s;
      action->delay = ms_asl_retry_delay (r, *count, ms_random_double (&x->random));
      (*count)++;
      x->retrying = TRUE;
      return;
    }
  for (guint i = 0; i < s->catchers->len; i++)
    {
      const MsAslCatcher *c = s->catchers->pdata[i];
      gboolean match = FALSE;
      for (char **p = c->errors; !match && *p != NULL; p++)
        match = ms_asl_error_matches (*p, error);
      if (!match)
        continue;
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "Error");
      json_builder_add_string_value (b, error);
      json_builder_set_member_name (b, "Cause");
      json_builder_add_string_value (b, cause ? cause : "");
      json_builder_end_object (b);
      g_autoptr (JsonNode) error_output = json_builder_get_root (b);
      JsonNode *output = merge (x->input, c->result_path, error_output);
      if (output == NULL)
        {
          g_autofree char *why = g_strdup_printf ("the Catch of %s cannot put the error at "
                                                  "its ResultPath", s->name);
          runtime_error (x, why, now, action);
          return;
        }
      x->caught++;
      leave (x, c->next, output, now, action);
      return;
    }
  end (x, MS_ASL_FAILED, error, cause, now, action);
}

/* A WAIT is over: for a Task it was a retrier's delay, so the next
 * attempt goes out; for a Wait state the state ends. */
void
ms_asl_execution_resume (MsAslExecution *x, MsTime now, MsAslAction *action)
{
  g_return_if_fail (x->status == MS_ASL_RUNNING);
  const MsAslState *s = x->machine->states->pdata[x->current];
  *action = (MsAslAction) { 0 };
  x->hops = 0;
  if (s->type == MS_ASL_TASK)
    {
      g_return_if_fail (x->retrying);
      x->retrying = FALSE;
      schedule_task (x, s, now, action);
      return;
    }
  g_return_if_fail (s->type == MS_ASL_WAIT);
  const char *missing = NULL;
  JsonNode *output = select_path (x, x->held, s->output_path, &missing);
  if (output == NULL)
    {
      g_autofree char *cause = g_strdup_printf ("the OutputPath of %s names nothing", s->name);
      runtime_error (x, cause, now, action);
      return;
    }
  leave (x, s->next, output, now, action);
}

void
ms_asl_execution_time_out (MsAslExecution *x, MsTime now)
{
  g_return_if_fail (x->status == MS_ASL_RUNNING);
  end (x, MS_ASL_TIMED_OUT, "States.Timeout", "the execution ran past its TimeoutSeconds",
       now, NULL);
}

MsAslStatus
ms_asl_execution_status (const MsAslExecution *x)
{
  return x->status;
}

const char *
ms_asl_execution_error (const MsAslExecution *x)
{
  return x->error;
}

const char *
ms_asl_execution_cause (const MsAslExecution *x)
{
  return x->cause;
}

guint
ms_asl_execution_caught (const MsAslExecution *x)
{
  return x->caught;
}

gboolean
ms_asl_execution_ended_in_fail_state (const MsAslExecution *x)
{
  return x->fail_state;
}

JsonNode *
ms_asl_execution_output (const MsAslExecution *x)
{
  return x->output;
}

const char *
ms_asl_execution_state (const MsAslExecution *x)
{
  return x->current >= 0 ? ((MsAslState *) x->machine->states->pdata[x->current])->name : NULL;
}

const GPtrArray *
ms_asl_execution_history (const MsAslExecution *x)
{
  return x->history;
}

int
ms_asl_execution_attempt (const MsAslExecution *x)
{
  return x->attempt;
}

void
ms_asl_execution_free (MsAslExecution *x)
{
  if (x == NULL)
    return;
  g_clear_pointer (&x->input, json_node_unref);
  g_clear_pointer (&x->execution_input, json_node_unref);
  g_clear_pointer (&x->held, json_node_unref);
  g_clear_pointer (&x->output, json_node_unref);
  g_ptr_array_unref (x->history);
  g_free (x->name);
  g_free (x->error);
  g_free (x->cause);
  g_free (x);
}
