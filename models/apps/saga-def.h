/* models/apps/saga-def.h - a saga's definition: its steps, their
 * compensations, retry policies and timeouts.
 *
 * Read from the orchestrator's workload option `saga` (docs/saga.md):
 *
 *   {"name": "order-saga", "onCompensationFailure": "stop",
 *    "steps": [{"name": "process_payment",
 *               "url": "http://payment-service/api/payments",
 *               "compensation": {"name": "refund_payment",
 *                                "url": "http://payment-service/api/payments/compensate"},
 *               "timeout": "2s", "stepTimeout": "10s", "ambiguous": true,
 *               "retry": {"initialInterval": "100ms", "backoffCoefficient": 2,
 *                         "maximumInterval": "1s", "maximumAttempts": 3},
 *               "compensationRetry": {...}}]}
 *
 * Without `saga`, the lab's saga applies: validate_user (compensation
 * unlock_user, also run at the end as the semantic lock's release),
 * create_order (cancel_order), process_payment (refund_payment; ambiguous,
 * so a payment that timed out is refunded) and approve_order (a retriable
 * step with no compensation, so that no order stays PENDING).
 *
 * Retry delays follow Temporal's rule: before retry n (n = 0 for the
 * second attempt) the orchestrator waits
 * min(initialInterval * backoffCoefficient^n, maximumInterval).
 */
#pragma once

#include "models/kube/cluster.h"
#include "sim/io/node.h"

G_BEGIN_DECLS

/* At most this many steps, so that a saga's step sets fit in a guint32. */
#define MS_SAGA_MAX_STEPS 32

typedef struct {
  MsTime initial_interval;
  double backoff_coefficient;
  MsTime maximum_interval;
  int maximum_attempts;        /* attempts in all, first one included */
} MsSagaRetry;

/* The wait before retry n (0 for the one after the first attempt). */
MsTime ms_saga_retry_delay (const MsSagaRetry *policy, int n);

typedef struct {
  char *name;
  MsUrl url;
  char *compensation_name;     /* NULL: the step has no compensation */
  MsUrl compensation_url;
  gboolean release_at_end;     /* the compensation also runs on COMPLETED and FAILED */
  gboolean ambiguous;          /* a step that failed without a business answer is
                                * compensated too */
  MsTime timeout;              /* per attempt (start to close); 0: none */
  MsTime step_timeout;         /* all attempts (schedule to close); 0: none */
  MsSagaRetry retry;
  MsSagaRetry compensation_retry;
  const MsNode *node;
} MsSagaStep;

typedef struct {
  char *name;
  gboolean continue_on_compensation_failure;
  GPtrArray *steps;            /* MsSagaStep *, owned */
  MsNode *default_node;        /* the parsed default, when it is used */
} MsSagaDefinition;

/* Reads node (the `saga` option), or the lab's default when node is NULL.
 * (transfer full) */
MsSagaDefinition *ms_saga_definition_parse (const MsNode *node, GError **error);

/* Resolves each URL from namespace_ as a pod there would.  An error
 * points at the URL in the user's file; for the default saga, which is
 * not in it, at workload (the orchestrator's `model` member), and says
 * which default step needs the Service. */
gboolean ms_saga_definition_bind (MsSagaDefinition *definition, MsCluster *cluster,
                                  const char *namespace_, const MsNode *workload,
                                  GError **error);

void ms_saga_definition_free (MsSagaDefinition *definition);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsSagaDefinition, ms_saga_definition_free)

G_END_DECLS
