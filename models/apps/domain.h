/* models/apps/domain.h - the saga's participants: models "user", "order"
 * and "payment".
 *
 * Three small services with real state, as the lab's nginx stubs pretend
 * to have:
 *
 *   user     POST /api/users/validate (and /lock) checks the user exists
 *            and is valid, and takes a semantic lock for the saga;
 *            POST /api/users/unlock releases it; GET/POST /api/users.
 *   order    POST /api/orders creates an order in PENDING;
 *            POST /api/orders/approve and /api/orders/compensate (or
 *            /cancel) move it to APPROVED or CANCELLED; GET /api/orders.
 *   payment  POST /api/payments charges a user's balance, or declines
 *            (402) by a configurable rule; POST /api/payments/compensate
 *            (or /refund) refunds it; GET /api/payments.
 *
 * Every service also answers GET /health.  Business refusals are 4xx
 * (404 unknown user, 409 a conflict such as a lock held by another saga,
 * 402 a declined payment, 422 a rule broken), which the orchestrator does
 * not retry.
 *
 * Idempotency: a command whose body carries a "message_id" already seen by
 * this service gets the answer stored the first time, and changes nothing
 * (Eventuate's received_messages table, keyed by (service, message id)).
 * Compensations are idempotent on their own as well: cancelling an order
 * or refunding a payment that does not exist yet leaves a tombstone, so a
 * late create or charge for it is refused (409) instead of taking effect
 * after its compensation.
 *
 * State lives in a "database" shared by every pod of the Deployment, and
 * by every Deployment of the same model naming the same database in the
 * same namespace (option `database`, default the pods' `app` label), so
 * user-service v1 and v2 see the same users, as two versions of a service
 * share their database.
 */
#pragma once

#include "models/apps/model.h"

G_BEGIN_DECLS

extern const MsModelClass ms_user_model_class;
extern const MsModelClass ms_order_model_class;
extern const MsModelClass ms_payment_model_class;

/* user's balance in the database of model (a payment model), for tests
 * and tools: the opening balance until a charge or refund moves it.
 * FALSE when model is not a payment model. */
gboolean ms_payment_balance (const MsModel *model, const char *user, gint64 *balance);

/* For the orchestrator's end-of-run invariants: the state of the row id in
 * model's database, as the API spells it ("PENDING", "APPROVED",
 * "CANCELLED" for orders, "CHARGED", "REFUNDED", "VOIDED" for payments),
 * or NULL when there is no such row or model is neither.  (transfer none) */
const char *ms_domain_row_status (const MsModel *model, const char *id);

/* The saga holding user's lock in model (a user model), or NULL.
 * (transfer none) */
const char *ms_user_locked_by (const MsModel *model, const char *user);

G_END_DECLS
