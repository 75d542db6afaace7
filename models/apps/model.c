/* models/apps/model.c - the registry of workload models.
 *
 * One table, in the order the names appear in documentation.  Models from
 * later issues (the patterns, the nginx stub) are listed as planned, so a
 * scenario that names one gets "not built yet" instead of "unknown model".
 */
#include "models/apps/model.h"

#include "models/apps/command.h"
#include "models/apps/domain.h"
#include "models/apps/eventstore.h"
#include "models/apps/http.h"
#include "models/apps/projector.h"
#include "models/apps/query.h"
#include "models/apps/saga.h"

static const MsModelClass *const models[] = {
  &ms_http_model_class,
  &ms_event_store_model_class,
  &ms_command_model_class,
  &ms_projector_model_class,
  &ms_query_model_class,
  &ms_user_model_class,
  &ms_order_model_class,
  &ms_payment_model_class,
  &ms_saga_orchestrator_model_class,
};

static const char *const names[] = {
  "http", "nginx", "user", "order", "payment", "saga-orchestrator", "event-store",
  "command", "projector", "query", NULL,
};

const MsModelClass *
ms_model_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    if (g_str_equal (models[i]->name, name))
      return models[i];
  return NULL;
}

const char *const *
ms_model_names (void)
{
  return names;
}

gboolean
ms_model_is_planned (const char *name)
{
  return g_strv_contains (names, name) && ms_model_lookup (name) == NULL;
}

void
ms_model_free (MsModel *model)
{
  if (model != NULL)
    model->klass->free (model);
}
