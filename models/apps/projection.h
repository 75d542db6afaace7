/* models/apps/projection.h - the lab's read models, as a fold of events.
 *
 * Three projections of the user and order events, kept together because
 * one processor updates them in one step:
 *
 *   UserProjection   the users, in the order they were created
 *   UserStats        total users, active users, users created per
 *                    simulated day (for "new today")
 *   OrderProjection  the orders and their status
 *
 * The events, by event_type (data members in brackets):
 *   UserCreated    [name, email]          a user, status "active"
 *   UserUpdated    [name, email, status]  any of the three changes
 *   OrderCreated   [user_id, amount]      an order, status "created"
 *   OrderCancelled [reason]               status "cancelled"
 * The aggregate id (stream) is the user's or the order's id.  An event
 * that does not apply (an unknown type, an update of a user that does not
 * exist, a member of the wrong type) changes nothing and is counted as
 * ignored, so a fold never fails.
 *
 * The command service folds one stream into a fresh projection to load
 * an aggregate; the projector folds $all; the end-of-run check folds the
 * store's log and compares the written forms.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sim/core/sim.h"

G_BEGIN_DECLS

#define MS_DAY MS_SEC (24 * 3600)

typedef struct {
  char *id;
  char *name;
  char *email;
  char *status;          /* "active", "inactive", ... */
  guint64 version;       /* of the user's stream */
  MsTime created_at;
} MsUserView;

typedef struct {
  char *id;
  char *user_id;
  double amount;
  gboolean cancelled;
  guint64 version;
} MsOrderView;

typedef struct _MsProjection MsProjection;

MsProjection *ms_projection_new (void);
void ms_projection_free (MsProjection *projection);

/* Back to empty (a rebuild). */
void ms_projection_reset (MsProjection *projection);

/* Applies one event; data may be NULL (no members).  TRUE when it
 * changed the projection. */
gboolean ms_projection_apply (MsProjection *projection, const char *stream, const char *type,
                              guint64 version, JsonObject *data, MsTime at);

/* Applies an event whose data is JSON text (the store's form). */
gboolean ms_projection_apply_text (MsProjection *projection, const char *stream,
                                   const char *type, guint64 version, const char *data,
                                   MsTime at);

/* Lookups.  (transfer none) or NULL */
const MsUserView *ms_projection_user (const MsProjection *projection, const char *id);
const MsOrderView *ms_projection_order (const MsProjection *projection, const char *id);

guint ms_projection_n_users (const MsProjection *projection);
guint ms_projection_n_active (const MsProjection *projection);
guint ms_projection_n_orders (const MsProjection *projection);
guint64 ms_projection_ignored (const MsProjection *projection);

/* The answers of the query service, as JSON.  users and orders write an
 * array; stats an object with total_users, active_users and
 * new_users_today (created on the simulated day of now). */
void ms_projection_write_users (const MsProjection *projection, GString *out);
void ms_projection_write_orders (const MsProjection *projection, GString *out);
void ms_projection_write_stats (const MsProjection *projection, MsTime now, GString *out);

/* Everything, in a canonical form: two projections hold the same data
 * exactly when these texts are equal. */
void ms_projection_write (const MsProjection *projection, GString *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsProjection, ms_projection_free)

G_END_DECLS
