/* sim/core/source.c - pacing virtual time to the wall clock in a GMainLoop.
 *
 * prepare() reports how many milliseconds remain until the next event is
 * due in wall time; dispatch() runs everything due.  Virtual time never
 * runs ahead of the wall clock, so a request arriving over HTTP always sees
 * a clock at or before "now".
 */
#include "sim/core/source.h"

typedef struct {
  GSource base;
  MsSim *sim;
  double speed;
  gint64 wall_start;      /* g_source_get_time() at creation, µs */
  MsTime virtual_start;   /* ms_sim_now() at creation */
} MsSimSource;

static MsTime
virtual_now (MsSimSource *self)
{
  gint64 elapsed = g_source_get_time ((GSource *) self) - self->wall_start;
  return self->virtual_start + (MsTime) ((double) elapsed * self->speed);
}

static gboolean
source_prepare (GSource *source, gint *timeout)
{
  MsSimSource *self = (MsSimSource *) source;
  MsTime next = ms_sim_next_time (self->sim);
  MsTime now = virtual_now (self);
  if (next == MS_TIME_NEVER)
    {
      *timeout = -1;
      return FALSE;
    }
  if (next <= now)
    {
      *timeout = 0;
      return TRUE;
    }
  double wall_us = (double) (next - now) / self->speed;
  double ms = wall_us / 1000.0 + 1.0;   /* round up: never wake early */
  *timeout = ms > G_MAXINT ? G_MAXINT : (gint) ms;
  return FALSE;
}

static gboolean
source_check (GSource *source)
{
  MsSimSource *self = (MsSimSource *) source;
  return ms_sim_next_time (self->sim) <= virtual_now (self);
}

static gboolean
source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  (void) callback;
  (void) user_data;
  ms_sim_source_catch_up (source);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = {
  .prepare = source_prepare,
  .check = source_check,
  .dispatch = source_dispatch,
};

GSource *
ms_sim_source_new (MsSim *sim, double speed)
{
  g_return_val_if_fail (sim != NULL, NULL);
  g_return_val_if_fail (speed > 0.0, NULL);

  GSource *source = g_source_new (&source_funcs, sizeof (MsSimSource));
  MsSimSource *self = (MsSimSource *) source;
  self->sim = sim;
  self->speed = speed;
  self->wall_start = g_get_monotonic_time ();
  self->virtual_start = ms_sim_now (sim);
  g_source_set_name (source, "meshsim clock");
  return source;
}

void
ms_sim_source_catch_up (GSource *source)
{
  MsSimSource *self = (MsSimSource *) source;
  MsTime now = virtual_now (self);
  if (now > ms_sim_now (self->sim))
    ms_sim_run_until (self->sim, now);
}
