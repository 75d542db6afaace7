/* sim/core/sim.c - the run loop around the event queue.
 *
 * Deliberately tiny: the loop pops, advances the clock and calls.  All of
 * the cost per event is the heap operation and the model's own work, which
 * is what bench/ measures.
 */
#include "sim/core/sim.h"

struct _MsSim {
  MsQueue *queue;
  MsTime now;
  guint64 seed;
  guint64 events;
  gboolean stop;
};

MsSim *
ms_sim_new (guint64 seed)
{
  MsSim *sim = g_new0 (MsSim, 1);
  sim->queue = ms_queue_new ();
  sim->seed = seed;
  return sim;
}

void
ms_sim_free (MsSim *sim)
{
  if (sim == NULL)
    return;
  ms_queue_free (sim->queue);
  g_free (sim);
}

MsTime
ms_sim_now (const MsSim *sim)
{
  return sim->now;
}

guint64
ms_sim_seed (const MsSim *sim)
{
  return sim->seed;
}

guint64
ms_sim_events (const MsSim *sim)
{
  return sim->events;
}

MsTimer
ms_sim_schedule (MsSim *sim, MsTime delay, MsSimFunc func, gpointer data)
{
  g_return_val_if_fail (delay >= 0, (MsTimer){ 0 });
  return ms_queue_push (sim->queue, sim->now + delay, (MsEventFunc) func, data);
}

MsTimer
ms_sim_schedule_at (MsSim *sim, MsTime at, MsSimFunc func, gpointer data)
{
  g_return_val_if_fail (at >= sim->now, (MsTimer){ 0 });
  return ms_queue_push (sim->queue, at, (MsEventFunc) func, data);
}

void
ms_sim_cancel (MsSim *sim, MsTimer *timer)
{
  ms_queue_cancel (sim->queue, timer);
}

gboolean
ms_sim_pending (const MsSim *sim, const MsTimer *timer)
{
  return ms_queue_pending (sim->queue, timer);
}

MsTime
ms_sim_next_time (MsSim *sim)
{
  return ms_queue_next_time (sim->queue);
}

guint64
ms_sim_run_until (MsSim *sim, MsTime until)
{
  guint64 ran = 0;
  MsTime at;
  MsEventFunc func;
  gpointer data;

  sim->stop = FALSE;
  while (!sim->stop && ms_queue_pop_until (sim->queue, until, &at, &func, &data))
    {
      sim->now = at;
      ran++;
      sim->events++;
      func (sim, data);
    }
  if (!sim->stop && until != MS_TIME_NEVER && until > sim->now)
    sim->now = until;
  return ran;
}

void
ms_sim_stop (MsSim *sim)
{
  sim->stop = TRUE;
}

void
ms_sim_random_stream (const MsSim *sim, MsRandom *random, const char *name)
{
  ms_random_seed_stream (random, sim->seed, name);
}
