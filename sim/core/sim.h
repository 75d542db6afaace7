/* sim/core/sim.h - the simulation: virtual clock, event queue and seed.
 *
 * One MsSim owns everything that makes a run reproducible: the clock
 * (integer microseconds), the queue of pending events and the run's seed.
 * There are no globals; every actor reaches the clock through the MsSim it
 * was given.  The engine knows nothing of HTTP, Istio or files.
 *
 * Time only moves forward, and only when an event runs: ms_sim_run_until()
 * pops events in (time, seq) order, sets the clock to each event's time and
 * calls it.  An event may schedule more events, including at the current
 * time; those run after every event already queued for that instant.
 */
#pragma once

#include <glib.h>

#include "sim/core/queue.h"
#include "sim/core/random.h"

G_BEGIN_DECLS

/* Virtual time, in microseconds since the start of the run. */
typedef gint64 MsTime;

#define MS_USEC(n) ((MsTime) (n))
#define MS_MSEC(n) ((MsTime) (n) * 1000)
#define MS_SEC(n)  ((MsTime) (n) * 1000000)
#define MS_TIME_NEVER G_MAXINT64

typedef struct _MsSim MsSim;

/* What a scheduled event does: func(sim, data). */
typedef void (*MsSimFunc) (MsSim *sim, gpointer data);

MsSim *ms_sim_new (guint64 seed);
void ms_sim_free (MsSim *sim);

MsTime ms_sim_now (const MsSim *sim);
guint64 ms_sim_seed (const MsSim *sim);

/* Events run so far. */
guint64 ms_sim_events (const MsSim *sim);

/* Schedules func(sim, data) after delay (>= 0) from now. */
MsTimer ms_sim_schedule (MsSim *sim, MsTime delay, MsSimFunc func, gpointer data);

/* Schedules at an absolute time, which must not be in the past. */
MsTimer ms_sim_schedule_at (MsSim *sim, MsTime at, MsSimFunc func, gpointer data);

/* Cancels a pending event; a timer that already fired is ignored. */
void ms_sim_cancel (MsSim *sim, MsTimer *timer);
gboolean ms_sim_pending (const MsSim *sim, const MsTimer *timer);

/* Time of the next pending event, or MS_TIME_NEVER. */
MsTime ms_sim_next_time (MsSim *sim);

/* Runs every event with time <= until, then sets the clock to until (if
 * until is later than the last event run and not MS_TIME_NEVER).  Returns
 * the number of events run.  Stops early, leaving the clock at the last
 * event run, if ms_sim_stop() is called from an event. */
guint64 ms_sim_run_until (MsSim *sim, MsTime until);

/* Asks ms_sim_run_until() to return after the current event. */
void ms_sim_stop (MsSim *sim);

/* Seeds a sub-stream for an actor: the same (run seed, name) always gives
 * the same numbers. */
void ms_sim_random_stream (const MsSim *sim, MsRandom *random, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsSim, ms_sim_free)

G_END_DECLS
