/* models/apps/saga-def.c - reading a saga's definition.
 *
 * The default saga is written below as the JSON a user would write, and
 * read by the same code, so that it obeys the same rules and its errors
 * (a Service the scenario lacks) point somewhere readable:
 * "(default saga):4:12: steps[0].url: ...".
 */
#include "models/apps/saga-def.h"

#include "sim/io/read.h"

static const char default_saga[] =
  "{\"name\": \"order-saga\",\n"
  " \"steps\": [\n"
  "  {\"name\": \"validate_user\", \"url\": \"http://user-service/api/users/validate\",\n"
  "   \"compensation\": {\"name\": \"unlock_user\", \"url\": \"http://user-service/api/users/unlock\"},\n"
  "   \"releaseAtEnd\": true},\n"
  "  {\"name\": \"create_order\", \"url\": \"http://order-service/api/orders\",\n"
  "   \"compensation\": {\"name\": \"cancel_order\", \"url\": \"http://order-service/api/orders/compensate\"}},\n"
  "  {\"name\": \"process_payment\", \"url\": \"http://payment-service/api/payments\",\n"
  "   \"compensation\": {\"name\": \"refund_payment\", \"url\": \"http://payment-service/api/payments/compensate\"},\n"
  "   \"ambiguous\": true},\n"
  "  {\"name\": \"approve_order\", \"url\": \"http://order-service/api/orders/approve\",\n"
  "   \"retry\": {\"maximumAttempts\": 10}}\n"
  " ]}\n";

MsTime
ms_saga_retry_delay (const MsSagaRetry *policy, int n)
{
  /* Repeated multiplication rather than pow(): the same doubles on every
   * machine, and it stops as soon as the cap is reached. */
  double delay = (double) policy->initial_interval;
  for (int i = 0; i < n && delay < (double) policy->maximum_interval; i++)
    delay *= policy->backoff_coefficient;
  if (delay > (double) policy->maximum_interval)
    return policy->maximum_interval;
  return (MsTime) delay;
}

static gboolean
read_retry (const MsNode *step, const char *key, MsSagaRetry *policy, GError **error)
{
  static const char *const fields[] = {
    "initialInterval", "backoffCoefficient", "maximumInterval", "maximumAttempts", NULL,
  };
  const MsNode *node = NULL;
  gint64 attempts = policy->maximum_attempts;
  if (!ms_read_child (step, key, MS_NODE_OBJECT, FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!ms_read_object (node, fields, error)
      || !ms_read_duration (node, "initialInterval", FALSE, &policy->initial_interval, error)
      || !ms_read_number (node, "backoffCoefficient", FALSE, 1.0, 100.0,
                          &policy->backoff_coefficient, error)
      || !ms_read_duration (node, "maximumInterval", FALSE, &policy->maximum_interval, error)
      || !ms_read_int (node, "maximumAttempts", FALSE, 1, 1000, &attempts, error))
    return FALSE;
  policy->maximum_attempts = (int) attempts;
  if (policy->maximum_interval < policy->initial_interval)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "maximumInterval must be at least initialInterval");
  return TRUE;
}

static void
step_free (gpointer data)
{
  MsSagaStep *step = data;
  g_free (step->name);
  g_free (step->compensation_name);
  g_free (step);
}

static gboolean
read_step (const MsNode *node, MsSagaDefinition *def, GError **error)
{
  static const char *const fields[] = {
    "name", "url", "compensation", "releaseAtEnd", "ambiguous", "timeout", "stepTimeout",
    "retry", "compensationRetry", NULL,
  };
  static const char *const compensation_fields[] = { "name", "url", NULL };
  /* Forward steps retry a little (transient errors only); compensations
   * retry longer, as they must not give up lightly. */
  static const MsSagaRetry forward = { MS_MSEC (100), 2.0, MS_SEC (1), 3 };
  static const MsSagaRetry backward = { MS_MSEC (100), 2.0, MS_SEC (2), 10 };
  if (!ms_read_object (node, fields, error))
    return FALSE;
  MsSagaStep *step = g_new0 (MsSagaStep, 1);
  g_ptr_array_add (def->steps, step);
  step->node = node;
  step->timeout = MS_SEC (2);
  step->retry = forward;
  step->compensation_retry = backward;
  const char *name = NULL;
  const MsNode *compensation = NULL;
  if (!ms_read_string (node, "name", TRUE, &name, error)
      || !ms_read_url (node, "url", TRUE, &step->url, error)
      || !ms_read_child (node, "compensation", MS_NODE_OBJECT, FALSE, &compensation, error)
      || !ms_read_bool (node, "releaseAtEnd", FALSE, &step->release_at_end, error)
      || !ms_read_bool (node, "ambiguous", FALSE, &step->ambiguous, error)
      || !ms_read_duration (node, "timeout", FALSE, &step->timeout, error)
      || !ms_read_duration (node, "stepTimeout", FALSE, &step->step_timeout, error)
      || !read_retry (node, "retry", &step->retry, error)
      || !read_retry (node, "compensationRetry", &step->compensation_retry, error))
    return FALSE;
  step->name = g_strdup (name);
  if (compensation != NULL)
    {
      const char *cname = NULL;
      if (!ms_read_object (compensation, compensation_fields, error)
          || !ms_read_string (compensation, "name", TRUE, &cname, error)
          || !ms_read_url (compensation, "url", TRUE, &step->compensation_url, error))
        return FALSE;
      step->compensation_name = g_strdup (cname);
    }
  else if (step->release_at_end)
    return ms_read_fail (error, ms_node_get (node, "releaseAtEnd"), MS_SCENARIO_ERROR_VALUE,
                         "releaseAtEnd runs the step's compensation at the end, but this "
                         "step has no 'compensation'");
  for (guint i = 0; i + 1 < def->steps->len; i++)
    {
      MsSagaStep *other = def->steps->pdata[i];
      if (g_str_equal (other->name, step->name)
          || (step->compensation_name != NULL && other->compensation_name != NULL
              && g_str_equal (other->compensation_name, step->compensation_name)))
        return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                             "two steps of the saga use the name \"%s\"; each step and each "
                             "compensation needs its own (they name the calls in the report)",
                             g_str_equal (other->name, step->name) ? step->name
                             : step->compensation_name);
    }
  return TRUE;
}

MsSagaDefinition *
ms_saga_definition_parse (const MsNode *node, GError **error)
{
  static const char *const fields[] = { "name", "onCompensationFailure", "steps", NULL };
  static const char *const on_failure[] = { "stop", "continue", NULL };
  g_autoptr (MsSagaDefinition) def = g_new0 (MsSagaDefinition, 1);
  def->steps = g_ptr_array_new_with_free_func (step_free);
  if (node == NULL)
    {
      def->default_node = ms_node_parse_json (default_saga, -1, "(default saga)", error);
      g_assert (def->default_node != NULL);
      node = def->default_node;
    }
  const char *name = "saga";
  int mode = 0;
  const MsNode *steps = NULL;
  if (!ms_read_object (node, fields, error)
      || !ms_read_string (node, "name", FALSE, &name, error)
      || !ms_read_choice (node, "onCompensationFailure", FALSE, on_failure, &mode, error)
      || !ms_read_child (node, "steps", MS_NODE_ARRAY, TRUE, &steps, error))
    return NULL;
  def->name = g_strdup (name);
  def->continue_on_compensation_failure = mode == 1;
  if (steps->children->len == 0 || steps->children->len > MS_SAGA_MAX_STEPS)
    {
      ms_read_fail (error, steps, MS_SCENARIO_ERROR_VALUE,
                    "a saga has 1 to %d steps, found %u", MS_SAGA_MAX_STEPS,
                    steps->children->len);
      return NULL;
    }
  for (guint i = 0; i < steps->children->len; i++)
    if (!read_step (steps->children->pdata[i], def, error))
      return NULL;
  return g_steal_pointer (&def);
}

static gboolean
bind_url (MsSagaDefinition *def, MsCluster *cluster, const char *namespace_,
          const MsNode *workload, MsUrl *url, const MsNode *where, const char *name,
          GError **error)
{
  int port = 0;
  g_autoptr (GError) local = NULL;
  if (def->default_node != NULL && workload != NULL)
    where = workload;
  if (ms_cluster_check_url (cluster, url, namespace_, where, &port, &local) == NULL)
    {
      if (def->default_node != NULL)
        g_set_error (error, local->domain, local->code, "%s (the default saga's %s calls "
                     "http://%s%s; define that Service, or give the workload a 'saga')",
                     local->message, name, url->host, url->path);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  url->port = port;
  return TRUE;
}

gboolean
ms_saga_definition_bind (MsSagaDefinition *def, MsCluster *cluster, const char *namespace_,
                         const MsNode *workload, GError **error)
{
  for (guint i = 0; i < def->steps->len; i++)
    {
      MsSagaStep *step = def->steps->pdata[i];
      if (!bind_url (def, cluster, namespace_, workload, &step->url,
                     ms_node_get (step->node, "url"), step->name, error))
        return FALSE;
      if (step->compensation_name != NULL
          && !bind_url (def, cluster, namespace_, workload, &step->compensation_url,
                        ms_node_get (ms_node_get (step->node, "compensation"), "url"),
                        step->compensation_name, error))
        return FALSE;
    }
  return TRUE;
}

void
ms_saga_definition_free (MsSagaDefinition *def)
{
  if (def == NULL)
    return;
  g_clear_pointer (&def->steps, g_ptr_array_unref);
  g_free (def->name);
  g_clear_pointer (&def->default_node, ms_node_free);
  g_free (def);
}
