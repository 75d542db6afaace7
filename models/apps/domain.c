/* models/apps/domain.c - the user, order and payment services.
 *
 * One file for the three because they are one idea: a table of rows, a
 * table of answered message ids, and a handful of commands that move a
 * row from one state to the next.  Each command is served after one draw
 * of the workload's `latency`; there is no concurrency limit, as the
 * pattern models have none (their cost is the service time).
 *
 * A command is applied at most once per message id: the first answer is
 * stored and returned again for every duplicate, whatever happened in
 * between.  That is what makes the orchestrator's retries safe when a
 * reply was lost or came too late: the retry carries the same message id.
 *
 * Not modelled: persistence across pod crashes (the database is outside
 * the pod, as a real one would be, so it survives them), and row-level
 * concurrency (commands run one at a time, in event order).
 */
#include "models/apps/domain.h"

#include "models/apps/pattern.h"
#include "models/apps/saga-wire.h"
#include "sim/io/read.h"

#include <string.h>

typedef enum { KIND_USER, KIND_ORDER, KIND_PAYMENT } Kind;

typedef enum { ORDER_PENDING, ORDER_APPROVED, ORDER_CANCELLED } OrderStatus;
static const char *const order_status[] = { "PENDING", "APPROVED", "CANCELLED" };
static const char *const order_keys[] = { "pending", "approved", "cancelled" };

typedef enum { PAYMENT_CHARGED, PAYMENT_REFUNDED, PAYMENT_VOIDED } PaymentStatus;
static const char *const payment_status[] = { "CHARGED", "REFUNDED", "VOIDED" };
static const char *const payment_keys[] = { "charged", "refunded", "voided" };

/* One row; which fields mean something depends on the kind. */
typedef struct {
  char *id;                 /* user id, order id, or the paid order's id */
  char *user;
  char *saga_id;
  char *locked_by;          /* user: the saga holding the semantic lock */
  gboolean valid;           /* user */
  int status;               /* OrderStatus or PaymentStatus */
  gint64 amount, items;
} Row;

typedef struct {
  int status;
  char *text;
} Stored;

typedef struct {
  int refcount;
  char *key;                /* namespace/name */
  GHashTable *rows;         /* id -> Row *, borrowed from list */
  GPtrArray *list;          /* Row *, owned, in creation order */
  GHashTable *balances;     /* payment: user -> gint64 * */
  GHashTable *messages;     /* message id -> Stored * */
  guint64 duplicates;
  guint64 refused;          /* business refusals (4xx) */
} Database;

typedef struct {
  MsModel base;
  Kind kind;
  MsDist latency;
  const char *database;     /* the option, or NULL for the default */
  gint64 users;             /* user: seeded user-1 .. user-N */
  char **invalid;           /* user: ids that exist but fail validation */
  gint64 max_amount;        /* order: larger orders are refused (0: none) */
  gint64 balance;           /* payment: each user's opening balance */
  gint64 decline_above;     /* payment: larger charges are declined (0: none) */
  double decline_fraction;  /* payment: share of charges declined at random */
  Database *db;
} DomainModel;

typedef struct {
  MsApp base;
  DomainModel *model;
  MsPod *pod;
} DomainApp;

static void
row_free (gpointer data)
{
  Row *row = data;
  g_free (row->id);
  g_free (row->user);
  g_free (row->saga_id);
  g_free (row->locked_by);
  g_free (row);
}

static void
stored_free (gpointer data)
{
  Stored *stored = data;
  g_free (stored->text);
  g_free (stored);
}

static Database *
database_new (const char *key)
{
  Database *db = g_new0 (Database, 1);
  db->refcount = 1;
  db->key = g_strdup (key);
  db->rows = g_hash_table_new (g_str_hash, g_str_equal);
  db->list = g_ptr_array_new_with_free_func (row_free);
  db->balances = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  db->messages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, stored_free);
  return db;
}

static void
database_unref (Database *db)
{
  if (db == NULL || --db->refcount > 0)
    return;
  g_hash_table_unref (db->rows);
  g_ptr_array_unref (db->list);
  g_hash_table_unref (db->balances);
  g_hash_table_unref (db->messages);
  g_free (db->key);
  g_free (db);
}

static Row *
row_add (Database *db, const char *id)
{
  Row *row = g_new0 (Row, 1);
  row->id = g_strdup (id);
  g_ptr_array_add (db->list, row);
  g_hash_table_insert (db->rows, row->id, row);
  return row;
}

/* Options. */

static MsModel *
domain_parse (const MsNode *node, Kind kind, const MsModelClass *klass, GError **error)
{
  static const char *const user_fields[] = {
    "model", "latency", "database", "users", "invalid", NULL,
  };
  static const char *const order_fields[] = {
    "model", "latency", "database", "maxAmount", NULL,
  };
  static const char *const payment_fields[] = {
    "model", "latency", "database", "balance", "declineAbove", "declineFraction", NULL,
  };
  static const char *const *const fields[] = { user_fields, order_fields, payment_fields };
  DomainModel *m = g_new0 (DomainModel, 1);
  m->base.klass = klass;
  m->base.node = node;
  m->kind = kind;
  m->latency = ms_dist_fixed (MS_MSEC (1));
  m->users = 100;
  m->balance = 1000;
  g_autoptr (MsModel) guard = (MsModel *) m;
  if (node == NULL)
    return g_steal_pointer (&guard);
  const MsNode *invalid = NULL;
  if (!ms_read_object (node, fields[kind], error)
      || !ms_read_dist (node, "latency", FALSE, &m->latency, error)
      || !ms_read_string (node, "database", FALSE, &m->database, error)
      || !ms_read_int (node, "users", FALSE, 0, 1000000, &m->users, error)
      || !ms_read_child (node, "invalid", MS_NODE_ARRAY, FALSE, &invalid, error)
      || !ms_read_int (node, "maxAmount", FALSE, 0, G_MAXINT32, &m->max_amount, error)
      || !ms_read_int (node, "balance", FALSE, 0, G_MAXINT32, &m->balance, error)
      || !ms_read_int (node, "declineAbove", FALSE, 0, G_MAXINT32, &m->decline_above, error)
      || !ms_read_number (node, "declineFraction", FALSE, 0.0, 1.0, &m->decline_fraction,
                          error))
    return NULL;
  guint n = invalid ? invalid->children->len : 0;
  m->invalid = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      const MsNode *item = invalid->children->pdata[i];
      if (!ms_read_expect (item, MS_NODE_STRING, error))
        return NULL;
      m->invalid[i] = g_strdup (item->text);
    }
  return g_steal_pointer (&guard);
}

static MsModel *
user_parse (const MsNode *node, GError **error)
{
  return domain_parse (node, KIND_USER, &ms_user_model_class, error);
}

static MsModel *
order_parse (const MsNode *node, GError **error)
{
  return domain_parse (node, KIND_ORDER, &ms_order_model_class, error);
}

static MsModel *
payment_parse (const MsNode *node, GError **error)
{
  return domain_parse (node, KIND_PAYMENT, &ms_payment_model_class, error);
}

static void
seed_users (DomainModel *m)
{
  for (gint64 i = 1; i <= m->users; i++)
    {
      g_autofree char *id = g_strdup_printf ("user-%" G_GINT64_FORMAT, i);
      if (!g_hash_table_contains (m->db->rows, id))
        row_add (m->db, id)->valid = TRUE;
    }
  for (char **id = m->invalid; id != NULL && *id != NULL; id++)
    {
      Row *row = g_hash_table_lookup (m->db->rows, *id);
      if (row == NULL)
        row = row_add (m->db, *id);
      row->valid = FALSE;
    }
}

/* Finds the database of an earlier Deployment of the same model with the
 * same name, or makes one.  Deployments are bound in scenario order, so
 * the first one creates it. */
static gboolean
domain_bind (MsModel *model, MsCluster *cluster, MsDeployment *deployment, GError **error)
{
  (void) error;
  DomainModel *m = (DomainModel *) model;
  const char *name = m->database ? m->database : ms_labels_get (&deployment->labels, "app");
  if (name == NULL)
    name = deployment->name;
  g_autofree char *key = g_strdup_printf ("%s/%s", deployment->namespace_, name);
  const GPtrArray *deployments = ms_cluster_deployments (cluster);
  for (guint i = 0; i < deployments->len && m->db == NULL; i++)
    {
      MsDeployment *d = deployments->pdata[i];
      DomainModel *other = d->model;
      if (other != NULL && other != m && other->base.klass == model->klass
          && other->db != NULL && g_str_equal (other->db->key, key))
        {
          m->db = other->db;
          m->db->refcount++;
        }
    }
  if (m->db == NULL)
    m->db = database_new (key);
  if (m->kind == KIND_USER)
    seed_users (m);
  return TRUE;
}

static void
domain_model_free (MsModel *model)
{
  DomainModel *m = (DomainModel *) model;
  database_unref (m->db);
  g_strfreev (m->invalid);
  g_free (m);
}

/* Answers.  Each command builds its answer in a JsonBuilder; the answer is
 * stored under the message id before it is sent. */

typedef struct {
  JsonBuilder *b;
  int status;
} Answer;

static JsonBuilder *
answer_begin (Answer *a, int status)
{
  a->status = status;
  a->b = json_builder_new ();
  json_builder_begin_object (a->b);
  return a->b;
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

/* Answers a business refusal; returns FALSE, for `return refuse (...)`. */
static gboolean
refuse (Database *db, Answer *a, int status, const char *error, const char *detail)
{
  db->refused++;
  JsonBuilder *b = answer_begin (a, status);
  add_string (b, "error", error);
  if (detail != NULL)
    add_string (b, "detail", detail);
  return FALSE;
}

/* The user service. */

/* Returns TRUE when the command took effect (or the read found its row). */
static gboolean
user_command (DomainModel *m, const char *path, JsonObject *body, Answer *a)
{
  Database *db = m->db;
  const char *id = ms_saga_wire_string (body, "user");
  const char *saga = ms_saga_wire_string (body, "saga_id");
  if (id == NULL)
    return refuse (db, a, 400, "bad_request", "the body needs a string member \"user\"");
  Row *row = g_hash_table_lookup (db->rows, id);
  if (g_str_equal (path, "/api/users"))
    {
      if (row != NULL)
        return refuse (db, a, 409, "user_exists", id);
      row = row_add (db, id);
      row->valid = TRUE;
      JsonBuilder *b = answer_begin (a, 201);
      add_string (b, "user", id);
      add_string (b, "status", "CREATED");
      return TRUE;
    }
  gboolean lock = g_str_equal (path, "/api/users/validate") || g_str_equal (path, "/api/users/lock");
  if (lock)
    {
      if (row == NULL)
        return refuse (db, a, 404, "user_not_found", id);
      if (!row->valid)
        return refuse (db, a, 422, "user_invalid", id);
      if (row->locked_by != NULL && (saga == NULL || !g_str_equal (row->locked_by, saga)))
        return refuse (db, a, 409, "user_locked", row->locked_by);
      if (row->locked_by == NULL && saga != NULL)
        row->locked_by = g_strdup (saga);
      JsonBuilder *b = answer_begin (a, 200);
      add_string (b, "user", id);
      add_string (b, "status", "VALID");
      add_string (b, "locked_by", row->locked_by);
      return TRUE;
    }
  /* unlock: only the holder's unlock counts; anything else is a no-op, so
   * a compensation that runs twice, or for a lock never taken, is safe. */
  gboolean held = row != NULL && row->locked_by != NULL && saga != NULL
                  && g_str_equal (row->locked_by, saga);
  if (held)
    g_clear_pointer (&row->locked_by, g_free);
  JsonBuilder *b = answer_begin (a, 200);
  add_string (b, "user", id);
  add_string (b, "status", held ? "UNLOCKED" : "NOT_LOCKED");
  return TRUE;
}

/* The order service. */

static gboolean
order_command (DomainModel *m, const char *path, JsonObject *body, Answer *a)
{
  Database *db = m->db;
  const char *id = ms_saga_wire_string (body, "order_id");
  if (id == NULL)
    return refuse (db, a, 400, "bad_request", "the body needs a string member \"order_id\"");
  Row *row = g_hash_table_lookup (db->rows, id);
  if (g_str_equal (path, "/api/orders"))
    {
      gint64 amount = 0, items = 1;
      ms_saga_wire_int (body, "amount", &amount);
      ms_saga_wire_int (body, "items", &items);
      if (row != NULL)
        return refuse (db, a, 409, row->status == ORDER_CANCELLED ? "order_cancelled"
                       : "order_exists", id);
      if (m->max_amount > 0 && amount > m->max_amount)
        return refuse (db, a, 422, "order_too_large", id);
      row = row_add (db, id);
      row->user = g_strdup (ms_saga_wire_string (body, "user"));
      row->saga_id = g_strdup (ms_saga_wire_string (body, "saga_id"));
      row->amount = amount;
      row->items = items;
      row->status = ORDER_PENDING;
    }
  else if (g_str_equal (path, "/api/orders/approve"))
    {
      if (row == NULL)
        return refuse (db, a, 404, "order_not_found", id);
      if (row->status == ORDER_CANCELLED)
        return refuse (db, a, 409, "order_cancelled", id);
      row->status = ORDER_APPROVED;
    }
  else
    {
      /* Cancel.  An order never created gets a tombstone, so that a
       * create arriving after its compensation is refused. */
      if (row != NULL && row->status == ORDER_APPROVED)
        return refuse (db, a, 409, "order_approved", id);
      if (row == NULL)
        row = row_add (db, id);
      row->status = ORDER_CANCELLED;
    }
  JsonBuilder *b = answer_begin (a, g_str_equal (path, "/api/orders") ? 201 : 200);
  add_string (b, "order_id", id);
  add_string (b, "status", order_status[row->status]);
  return TRUE;
}

/* The payment service. */

static gint64 *
balance_of (DomainModel *m, const char *user)
{
  gint64 *balance = g_hash_table_lookup (m->db->balances, user);
  if (balance == NULL)
    {
      balance = g_new (gint64, 1);
      *balance = m->balance;
      g_hash_table_insert (m->db->balances, g_strdup (user), balance);
    }
  return balance;
}

static gboolean
payment_command (DomainModel *m, MsPod *pod, const char *path, JsonObject *body, Answer *a)
{
  Database *db = m->db;
  const char *id = ms_saga_wire_string (body, "order_id");
  if (id == NULL)
    return refuse (db, a, 400, "bad_request", "the body needs a string member \"order_id\"");
  Row *row = g_hash_table_lookup (db->rows, id);
  if (g_str_equal (path, "/api/payments"))
    {
      const char *user = ms_saga_wire_string (body, "user");
      gint64 amount = 0;
      if (user == NULL || !ms_saga_wire_int (body, "amount", &amount) || amount < 0)
        return refuse (db, a, 400, "bad_request",
                       "the body needs \"user\" (a string) and \"amount\" (a whole number)");
      if (row != NULL && row->status == PAYMENT_VOIDED)
        return refuse (db, a, 409, "payment_voided", id);
      if (row == NULL)
        {
          /* The random rule draws first, so a run's draws do not depend
           * on the balances. */
          gboolean unlucky = ms_random_chance (&pod->random, m->decline_fraction);
          gint64 *balance = balance_of (m, user);
          if (unlucky || (m->decline_above > 0 && amount > m->decline_above))
            return refuse (db, a, 402, "payment_declined", id);
          if (*balance < amount)
            return refuse (db, a, 402, "insufficient_funds", id);
          *balance -= amount;
          row = row_add (db, id);
          row->user = g_strdup (user);
          row->saga_id = g_strdup (ms_saga_wire_string (body, "saga_id"));
          row->amount = amount;
          row->status = PAYMENT_CHARGED;
        }
    }
  else
    {
      /* Refund: once.  A refund for a charge that never arrived voids the
       * order's payment, so the charge, if it comes late, is refused. */
      if (row == NULL)
        {
          row = row_add (db, id);
          row->status = PAYMENT_VOIDED;
        }
      else if (row->status == PAYMENT_CHARGED)
        {
          *balance_of (m, row->user) += row->amount;
          row->status = PAYMENT_REFUNDED;
        }
    }
  JsonBuilder *b = answer_begin (a, g_str_equal (path, "/api/payments") ? 201 : 200);
  add_string (b, "order_id", id);
  add_string (b, "status", payment_status[row->status]);
  add_int (b, "amount", row->amount);
  return TRUE;
}

/* Reads: a summary of the table, or one row. */

static gboolean
describe (DomainModel *m, const char *path, Answer *a)
{
  static const char *const roots[] = { "/api/users", "/api/orders", "/api/payments" };
  Database *db = m->db;
  const char *root = roots[m->kind];
  if (g_str_equal (path, root))
    {
      guint counts[3] = { 0 };
      for (guint i = 0; i < db->list->len; i++)
        {
          Row *row = db->list->pdata[i];
          counts[m->kind == KIND_USER ? (row->locked_by != NULL) : row->status]++;
        }
      JsonBuilder *b = answer_begin (a, 200);
      add_int (b, "total", db->list->len);
      if (m->kind == KIND_USER)
        add_int (b, "locked", counts[1]);
      else
        for (int s = 0; s < 3; s++)
          add_int (b, m->kind == KIND_ORDER ? order_status[s] : payment_status[s], counts[s]);
      return TRUE;
    }
  Row *row = g_hash_table_lookup (db->rows, path + strlen (root) + 1);
  if (row == NULL)
    return refuse (db, a, 404, "not_found", path);
  JsonBuilder *b = answer_begin (a, 200);
  add_string (b, "id", row->id);
  if (m->kind == KIND_USER)
    {
      json_builder_set_member_name (b, "valid");
      json_builder_add_boolean_value (b, row->valid);
      add_string (b, "locked_by", row->locked_by);
      return TRUE;
    }
  add_string (b, "status", m->kind == KIND_ORDER ? order_status[row->status]
              : payment_status[row->status]);
  add_string (b, "user", row->user);
  add_int (b, "amount", row->amount);
  return TRUE;
}

static gboolean
is_command (Kind kind, const char *path)
{
  static const char *const commands[][4] = {
    { "/api/users", "/api/users/validate", "/api/users/lock", "/api/users/unlock" },
    { "/api/orders", "/api/orders/approve", "/api/orders/compensate", "/api/orders/cancel" },
    { "/api/payments", "/api/payments/compensate", "/api/payments/refund", NULL },
  };
  for (int i = 0; i < 4; i++)
    if (commands[kind][i] != NULL && g_str_equal (commands[kind][i], path))
      return TRUE;
  return FALSE;
}

static void
serve (MsApp *base, MsExchange *ex)
{
  static const char *const roots[] = { "/api/users", "/api/orders", "/api/payments" };
  static const char *const names[] = { "user-service", "order-service", "payment-service" };
  DomainApp *app = (DomainApp *) base;
  DomainModel *m = app->model;
  const MsRequest *request = ex->request;
  g_autofree char *path = ms_pattern_path (request);
  gboolean post = g_str_equal (request->method, "POST");

  if (g_str_equal (path, "/health"))
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      add_string (b, "service", names[m->kind]);
      add_string (b, "status", "healthy");
      json_builder_end_object (b);
      ms_saga_wire_reply (ex, 200, b);
      return;
    }
  Answer a = { NULL, 0 };
  if (post && is_command (m->kind, path))
    {
      g_autoptr (JsonObject) body = ms_saga_wire_read (request);
      const char *message = ms_saga_wire_string (body, "message_id");
      Stored *stored = message ? g_hash_table_lookup (m->db->messages, message) : NULL;
      if (stored != NULL)
        {
          /* A duplicate: the first answer again, and nothing else. */
          m->db->duplicates++;
          g_autoptr (MsBody) text = ms_body_new_text (stored->text, -1);
          ms_exchange_finish (ex, stored->status, 0, MS_RESET_NONE, text);
          return;
        }
      if (m->kind == KIND_USER)
        user_command (m, path, body, &a);
      else if (m->kind == KIND_ORDER)
        order_command (m, path, body, &a);
      else
        payment_command (m, app->pod, path, body, &a);
      json_builder_end_object (a.b);
      if (message != NULL)
        {
          Stored *s = g_new0 (Stored, 1);
          g_autoptr (JsonNode) root = json_builder_get_root (a.b);
          s->status = a.status;
          s->text = json_to_string (root, FALSE);
          g_hash_table_insert (m->db->messages, g_strdup (message), s);
        }
    }
  else if (!post && (g_str_equal (path, roots[m->kind])
                     || (g_str_has_prefix (path, roots[m->kind])
                         && path[strlen (roots[m->kind])] == '/')))
    {
      describe (m, path, &a);
      json_builder_end_object (a.b);
    }
  else
    {
      ms_saga_wire_reply_error (ex, 404, "not_found", path);
      return;
    }
  ms_saga_wire_reply (ex, a.status, a.b);
  g_object_unref (a.b);
}

static void
domain_handle (MsApp *base, MsPod *pod, MsExchange *ex)
{
  DomainApp *app = (DomainApp *) base;
  ms_pattern_serve_after (base, pod, &app->model->latency, ex, serve);
}

static void
domain_app_free (MsApp *base)
{
  g_free (base);
}

static MsApp *
domain_new_app (MsModel *model, MsPod *pod)
{
  DomainApp *app = g_new0 (DomainApp, 1);
  app->base.handle = domain_handle;
  app->base.free = domain_app_free;
  app->model = (DomainModel *) model;
  app->pod = pod;
  return &app->base;
}

/* The report shows the database's rows by state.  Deployments sharing a
 * database show the same numbers. */
static void
domain_report (MsModel *model, MsReport *report, MsReportNode *workload)
{
  (void) report;
  DomainModel *m = (DomainModel *) model;
  Database *db = m->db;
  ms_report_set_string (workload, "model", model->klass->name);
  MsReportNode *node = ms_report_object (workload, "database");
  ms_report_set_int (node, "rows", db->list->len);
  guint counts[3] = { 0 };
  for (guint i = 0; i < db->list->len; i++)
    {
      Row *row = db->list->pdata[i];
      counts[m->kind == KIND_USER ? (row->locked_by != NULL) : row->status]++;
    }
  if (m->kind == KIND_USER)
    ms_report_set_int (node, "locked", counts[1]);
  for (int s = 0; m->kind != KIND_USER && s < 3; s++)
    ms_report_set_int (node, m->kind == KIND_ORDER ? order_keys[s] : payment_keys[s],
                       counts[s]);
  ms_report_set_int (node, "refused", (gint64) db->refused);
  ms_report_set_int (node, "duplicates", (gint64) db->duplicates);
}

gboolean
ms_payment_balance (const MsModel *model, const char *user, gint64 *balance)
{
  g_return_val_if_fail (model != NULL && user != NULL && balance != NULL, FALSE);
  if (model->klass != &ms_payment_model_class)
    return FALSE;
  const DomainModel *m = (const DomainModel *) model;
  const gint64 *stored = g_hash_table_lookup (m->db->balances, user);
  *balance = stored ? *stored : m->balance;
  return TRUE;
}

const char *
ms_domain_row_status (const MsModel *model, const char *id)
{
  g_return_val_if_fail (model != NULL && id != NULL, NULL);
  if (model->klass != &ms_order_model_class && model->klass != &ms_payment_model_class)
    return NULL;
  const DomainModel *m = (const DomainModel *) model;
  const Row *row = g_hash_table_lookup (m->db->rows, id);
  if (row == NULL)
    return NULL;
  return m->kind == KIND_ORDER ? order_status[row->status] : payment_status[row->status];
}

const char *
ms_user_locked_by (const MsModel *model, const char *user)
{
  g_return_val_if_fail (model != NULL && user != NULL, NULL);
  if (model->klass != &ms_user_model_class)
    return NULL;
  const Row *row = g_hash_table_lookup (((const DomainModel *) model)->db->rows, user);
  return row ? row->locked_by : NULL;
}

const MsModelClass ms_user_model_class = {
  .name = "user",
  .parse = user_parse,
  .bind = domain_bind,
  .new_app = domain_new_app,
  .report = domain_report,
  .free = domain_model_free,
};

const MsModelClass ms_order_model_class = {
  .name = "order",
  .parse = order_parse,
  .bind = domain_bind,
  .new_app = domain_new_app,
  .report = domain_report,
  .free = domain_model_free,
};

const MsModelClass ms_payment_model_class = {
  .name = "payment",
  .parse = payment_parse,
  .bind = domain_bind,
  .new_app = domain_new_app,
  .report = domain_report,
  .free = domain_model_free,
};
