/* models/apps/projection.c - folding user and order events into the
 * lab's read models.
 *
 * Arrays keep creation order (what the queries list and what the
 * canonical form writes); hash tables find a user or an order by id.
 * Users created per day are counted in a sorted array of (day, count),
 * appended to at the end in practice, since events arrive in time order.
 */
#include "models/apps/projection.h"

#include "models/apps/pattern.h"

typedef struct {
  gint64 day;
  guint count;
} DayCount;

struct _MsProjection {
  GPtrArray *users;      /* MsUserView *, owned */
  GHashTable *user_by_id;
  GPtrArray *orders;     /* MsOrderView *, owned */
  GHashTable *order_by_id;
  GArray *per_day;       /* DayCount, by day */
  guint active;
  guint64 ignored;
};

static void
user_free (gpointer data)
{
  MsUserView *u = data;
  g_free (u->id);
  g_free (u->name);
  g_free (u->email);
  g_free (u->status);
  g_free (u);
}

static void
order_free (gpointer data)
{
  MsOrderView *o = data;
  g_free (o->id);
  g_free (o->user_id);
  g_free (o);
}

MsProjection *
ms_projection_new (void)
{
  MsProjection *p = g_new0 (MsProjection, 1);
  p->users = g_ptr_array_new_with_free_func (user_free);
  p->user_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  p->orders = g_ptr_array_new_with_free_func (order_free);
  p->order_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  p->per_day = g_array_new (FALSE, FALSE, sizeof (DayCount));
  return p;
}

void
ms_projection_free (MsProjection *p)
{
  if (p == NULL)
    return;
  g_hash_table_unref (p->user_by_id);
  g_hash_table_unref (p->order_by_id);
  g_ptr_array_unref (p->users);
  g_ptr_array_unref (p->orders);
  g_array_unref (p->per_day);
  g_free (p);
}

void
ms_projection_reset (MsProjection *p)
{
  g_hash_table_remove_all (p->user_by_id);
  g_hash_table_remove_all (p->order_by_id);
  g_ptr_array_set_size (p->users, 0);
  g_ptr_array_set_size (p->orders, 0);
  g_array_set_size (p->per_day, 0);
  p->active = 0;
  p->ignored = 0;
}

static void
count_day (MsProjection *p, MsTime at)
{
  gint64 day = at / MS_DAY;
  guint i = p->per_day->len;
  while (i > 0 && g_array_index (p->per_day, DayCount, i - 1).day > day)
    i--;
  if (i > 0 && g_array_index (p->per_day, DayCount, i - 1).day == day)
    {
      g_array_index (p->per_day, DayCount, i - 1).count++;
      return;
    }
  DayCount c = { day, 1 };
  g_array_insert_val (p->per_day, i, c);
}

/* A string member, or NULL; *bad when present with another type. */
static const char *
member (JsonObject *data, const char *name, gboolean *bad)
{
  return data ? ms_pattern_member_string (data, name, bad) : NULL;
}

static gboolean
apply_user (MsProjection *p, const char *stream, const char *type, guint64 version,
            JsonObject *data, MsTime at)
{
  MsUserView *u = g_hash_table_lookup (p->user_by_id, stream);
  gboolean bad = FALSE;
  const char *name = member (data, "name", &bad);
  const char *email = member (data, "email", &bad);
  const char *status = member (data, "status", &bad);
  if (bad)
    return FALSE;
  if (g_str_equal (type, "UserCreated"))
    {
      if (u != NULL)
        return FALSE;
      u = g_new0 (MsUserView, 1);
      u->id = g_strdup (stream);
      u->name = g_strdup (name ? name : "");
      u->email = g_strdup (email ? email : "");
      u->status = g_strdup ("active");
      u->created_at = at;
      u->version = version;
      g_ptr_array_add (p->users, u);
      g_hash_table_insert (p->user_by_id, u->id, u);
      p->active++;
      count_day (p, at);
      return TRUE;
    }
  if (u == NULL)
    return FALSE;
  if (name != NULL)
    g_free (u->name), u->name = g_strdup (name);
  if (email != NULL)
    g_free (u->email), u->email = g_strdup (email);
  if (status != NULL)
    {
      gboolean was = g_str_equal (u->status, "active"), is = g_str_equal (status, "active");
      p->active = p->active - was + is;
      g_free (u->status);
      u->status = g_strdup (status);
    }
  u->version = version;
  return TRUE;
}

static gboolean
apply_order (MsProjection *p, const char *stream, const char *type, guint64 version,
             JsonObject *data)
{
  MsOrderView *o = g_hash_table_lookup (p->order_by_id, stream);
  if (g_str_equal (type, "OrderCreated"))
    {
      gboolean bad = FALSE;
      const char *user = member (data, "user_id", &bad);
      JsonNode *amount = data ? json_object_get_member (data, "amount") : NULL;
      GType kind = amount ? json_node_get_value_type (amount) : G_TYPE_INVALID;
      if (o != NULL || bad || user == NULL
          || (amount != NULL && kind != G_TYPE_INT64 && kind != G_TYPE_DOUBLE))
        return FALSE;
      o = g_new0 (MsOrderView, 1);
      o->id = g_strdup (stream);
      o->user_id = g_strdup (user);
      o->amount = amount ? json_node_get_double (amount) : 0;
      o->version = version;
      g_ptr_array_add (p->orders, o);
      g_hash_table_insert (p->order_by_id, o->id, o);
      return TRUE;
    }
  if (o == NULL || o->cancelled)
    return FALSE;
  o->cancelled = TRUE;
  o->version = version;
  return TRUE;
}

gboolean
ms_projection_apply (MsProjection *p, const char *stream, const char *type, guint64 version,
                     JsonObject *data, MsTime at)
{
  gboolean changed = FALSE;
  if (g_str_equal (type, "UserCreated") || g_str_equal (type, "UserUpdated"))
    changed = apply_user (p, stream, type, version, data, at);
  else if (g_str_equal (type, "OrderCreated") || g_str_equal (type, "OrderCancelled"))
    changed = apply_order (p, stream, type, version, data);
  if (!changed)
    p->ignored++;
  return changed;
}

gboolean
ms_projection_apply_text (MsProjection *p, const char *stream, const char *type,
                          guint64 version, const char *data, MsTime at)
{
  g_autoptr (JsonNode) node = json_from_string (data, NULL);
  JsonObject *object = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  return ms_projection_apply (p, stream, type, version, object, at);
}

const MsUserView *
ms_projection_user (const MsProjection *p, const char *id)
{
  return g_hash_table_lookup (p->user_by_id, id);
}

const MsOrderView *
ms_projection_order (const MsProjection *p, const char *id)
{
  return g_hash_table_lookup (p->order_by_id, id);
}

guint
ms_projection_n_users (const MsProjection *p)
{
  return p->users->len;
}

guint
ms_projection_n_active (const MsProjection *p)
{
  return p->active;
}

guint
ms_projection_n_orders (const MsProjection *p)
{
  return p->orders->len;
}

guint64
ms_projection_ignored (const MsProjection *p)
{
  return p->ignored;
}

void
ms_projection_write_users (const MsProjection *p, GString *out)
{
  g_string_append_c (out, '[');
  for (guint i = 0; i < p->users->len; i++)
    {
      const MsUserView *u = p->users->pdata[i];
      g_string_append (out, i ? ",{\"id\":" : "{\"id\":");
      ms_pattern_append_string (out, u->id);
      g_string_append (out, ",\"name\":");
      ms_pattern_append_string (out, u->name);
      g_string_append (out, ",\"email\":");
      ms_pattern_append_string (out, u->email);
      g_string_append (out, ",\"status\":");
      ms_pattern_append_string (out, u->status);
      g_string_append_printf (out, ",\"version\":%" G_GUINT64_FORMAT "}", u->version);
    }
  g_string_append_c (out, ']');
}

void
ms_projection_write_orders (const MsProjection *p, GString *out)
{
  g_string_append_c (out, '[');
  for (guint i = 0; i < p->orders->len; i++)
    {
      const MsOrderView *o = p->orders->pdata[i];
      g_string_append (out, i ? ",{\"id\":" : "{\"id\":");
      ms_pattern_append_string (out, o->id);
      g_string_append (out, ",\"user_id\":");
      ms_pattern_append_string (out, o->user_id);
      g_string_append_printf (out, ",\"amount\":%.2f,\"status\":\"%s\",\"version\":%"
                              G_GUINT64_FORMAT "}", o->amount,
                              o->cancelled ? "cancelled" : "created", o->version);
    }
  g_string_append_c (out, ']');
}

void
ms_projection_write_stats (const MsProjection *p, MsTime now, GString *out)
{
  guint today = 0;
  for (guint i = p->per_day->len; i > 0; i--)
    {
      const DayCount *c = &g_array_index (p->per_day, DayCount, i - 1);
      if (c->day == now / MS_DAY)
        today = c->count;
      if (c->day <= now / MS_DAY)
        break;
    }
  g_string_append_printf (out, "{\"total_users\":%u,\"active_users\":%u,\"new_users_today\":%u}",
                          p->users->len, p->active, today);
}

void
ms_projection_write (const MsProjection *p, GString *out)
{
  g_string_append (out, "{\"users\":");
  ms_projection_write_users (p, out);
  g_string_append (out, ",\"orders\":");
  ms_projection_write_orders (p, out);
  g_string_append_printf (out, ",\"active_users\":%u,\"created_per_day\":[", p->active);
  for (guint i = 0; i < p->per_day->len; i++)
    {
      const DayCount *c = &g_array_index (p->per_day, DayCount, i);
      g_string_append_printf (out, "%s[%" G_GINT64_FORMAT ",%u]", i ? "," : "", c->day, c->count);
    }
  g_string_append (out, "]}");
}
