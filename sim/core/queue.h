/* sim/core/queue.h - the event queue: a binary heap ordered by (time, seq).
 *
 * Contract:
 * - Events run in order of their time; events with equal time run in the
 *   order they were pushed (seq is an insertion counter, as in libuv's
 *   timers).  This makes every run reproducible without relying on heap
 *   tie-breaking.
 * - Push and pop are O(log n).  Cancellation is O(1): the event is marked
 *   dead (a tombstone, as Redis' ae.c does for timers) and discarded when it
 *   reaches the top, or when tombstones are over half the heap and it is
 *   rebuilt without them (amortised O(1) per cancel).  Tombstones count
 *   towards ms_queue_length() until then.
 * - The queue owns its events.  Callers keep an MsTimer, a (pointer, seq)
 *   pair, so that cancelling a timer whose event already ran (and whose
 *   memory was recycled) is harmlessly ignored.
 * - Events come from a free list: after warm-up, pushing allocates nothing.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MsQueue MsQueue;
typedef struct _MsEvent MsEvent;

/* What an event does when it runs.  data is whatever was given to push. */
typedef void (*MsEventFunc) (gpointer context, gpointer data);

/* A handle to a scheduled event.  Zero-initialised means "no timer". */
typedef struct {
  MsEvent *event;
  guint64 seq;
} MsTimer;

MsQueue *ms_queue_new (void);
void ms_queue_free (MsQueue *queue);

/* Schedules func(context, data) at absolute time at.  Returns the handle. */
MsTimer ms_queue_push (MsQueue *queue, gint64 at, MsEventFunc func, gpointer data);

/* Marks the event dead if it has not run yet; otherwise does nothing.
 * Resets *timer to zero either way. */
void ms_queue_cancel (MsQueue *queue, MsTimer *timer);

/* TRUE when the timer names an event that has neither run nor been
 * cancelled. */
gboolean ms_queue_pending (const MsQueue *queue, const MsTimer *timer);

/* Time of the earliest live event, or G_MAXINT64 when there is none.  Drops
 * tombstones from the top on the way, hence not const. */
gint64 ms_queue_next_time (MsQueue *queue);

/* Removes the earliest live event and returns it via the out-parameters.
 * Returns FALSE when the queue holds no live event.  The event's memory is
 * recycled before this returns, so the caller runs func(context, data)
 * itself. */
gboolean ms_queue_pop (MsQueue *queue, gint64 *at, MsEventFunc *func, gpointer *data);

/* The same, but only if that event is due at or before until: the run
 * loop's test and pop in one pass over the tombstones at the top. */
gboolean ms_queue_pop_until (MsQueue *queue, gint64 until, gint64 *at, MsEventFunc *func,
                             gpointer *data);

/* Entries in the heap, tombstones included. */
guint ms_queue_length (const MsQueue *queue);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsQueue, ms_queue_free)

G_END_DECLS
