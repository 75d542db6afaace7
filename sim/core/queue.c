/* sim/core/queue.c - binary heap of events keyed by (time, seq).
 *
 * The heap stores its keys inline ({time, seq, event}) so that sifting
 * compares neighbouring memory instead of chasing pointers; the MsEvent
 * itself only holds what is needed to run it.  Events live in slabs and are
 * recycled through a free list, so the steady state does no malloc at all.
 * Cancelled events stay in the heap as tombstones (func == NULL) and are
 * dropped when they surface: cancelling is O(1) and the heap never needs a
 * back-pointer index.  A mesh cancels almost every timer it sets (route
 * and per-try timeouts that rarely fire), so tombstones would otherwise
 * outnumber live events a hundred to one and push the heap out of cache:
 * once they are more than half of it, the heap is rebuilt without them
 * (O(n), paid for by the n/2 cancels since the last rebuild).  Keys never
 * change, so the order of events, and every run, stays the same.
 */
#include "sim/core/queue.h"

struct _MsEvent {
  MsEventFunc func;   /* NULL once cancelled */
  gpointer data;
  guint64 seq;        /* seq of the push that owns this slot right now */
  MsEvent *next_free;
};

typedef struct {
  gint64 time;
  guint64 seq;
  MsEvent *event;
} Entry;

#define SLAB_EVENTS 4096

struct _MsQueue {
  Entry *heap;
  guint length;
  guint capacity;
  guint64 next_seq;
  guint dead;               /* tombstones in the heap */
  MsEvent *free_list;
  GPtrArray *slabs;
};

MsQueue *
ms_queue_new (void)
{
  MsQueue *queue = g_new0 (MsQueue, 1);
  queue->capacity = 1024;
  queue->heap = g_new (Entry, queue->capacity);
  queue->next_seq = 1;  /* 0 means "no timer" in MsTimer */
  queue->slabs = g_ptr_array_new_with_free_func (g_free);
  return queue;
}

void
ms_queue_free (MsQueue *queue)
{
  if (queue == NULL)
    return;
  g_ptr_array_unref (queue->slabs);
  g_free (queue->heap);
  g_free (queue);
}

static MsEvent *
event_alloc (MsQueue *queue)
{
  if (G_UNLIKELY (queue->free_list == NULL))
    {
      MsEvent *slab = g_new0 (MsEvent, SLAB_EVENTS);
      g_ptr_array_add (queue->slabs, slab);
      for (guint i = 0; i < SLAB_EVENTS; i++)
        {
          slab[i].next_free = queue->free_list;
          queue->free_list = &slab[i];
        }
    }
  MsEvent *event = queue->free_list;
  queue->free_list = event->next_free;
  return event;
}

static inline void
event_release (MsQueue *queue, MsEvent *event)
{
  event->seq = 0;   /* stale MsTimers no longer match */
  event->func = NULL;
  event->next_free = queue->free_list;
  queue->free_list = event;
}

static inline gboolean
entry_before (const Entry *a, const Entry *b)
{
  return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

MsTimer
ms_queue_push (MsQueue *queue, gint64 at, MsEventFunc func, gpointer data)
{
  g_return_val_if_fail (func != NULL, (MsTimer){ 0 });

  MsEvent *event = event_alloc (queue);
  guint64 seq = queue->next_seq++;
  event->func = func;
  event->data = data;
  event->seq = seq;

  if (G_UNLIKELY (queue->length == queue->capacity))
    {
      queue->capacity *= 2;
      queue->heap = g_renew (Entry, queue->heap, queue->capacity);
    }

  /* Sift up: move parents down until the new entry fits. */
  Entry entry = { at, seq, event };
  guint i = queue->length++;
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      if (!entry_before (&entry, &queue->heap[parent]))
        break;
      queue->heap[i] = queue->heap[parent];
      i = parent;
    }
  queue->heap[i] = entry;
  return (MsTimer){ event, seq };
}

/* Moves entry down from slot i until its children are later (the heap
 * has n entries). */
static inline void
sift_down (Entry *heap, guint n, guint i, Entry entry)
{
  for (;;)
    {
      guint child = 2 * i + 1;
      if (child >= n)
        break;
      if (child + 1 < n && entry_before (&heap[child + 1], &heap[child]))
        child++;
      if (!entry_before (&heap[child], &entry))
        break;
      heap[i] = heap[child];
      i = child;
    }
  heap[i] = entry;
}

/* Drops every tombstone and rebuilds the heap (Floyd's heapify). */
static void
compact (MsQueue *queue)
{
  guint n = 0;
  for (guint i = 0; i < queue->length; i++)
    {
      Entry e = queue->heap[i];
      if (e.event->func != NULL)
        queue->heap[n++] = e;
      else
        event_release (queue, e.event);
    }
  queue->length = n;
  queue->dead = 0;
  for (guint i = n / 2; i-- > 0;)
    sift_down (queue->heap, n, i, queue->heap[i]);
}

void
ms_queue_cancel (MsQueue *queue, MsTimer *timer)
{
  if (timer->event != NULL && timer->event->seq == timer->seq && timer->event->func != NULL)
    {
      timer->event->func = NULL;
      queue->dead++;
      /* 64 rather than more: the heap of a busy mesh holds a few hundred
       * live events, and every level of tombstones costs each pop a sift
       * step (bench/README.md, profile). */
      if (queue->dead > 64 && queue->dead > queue->length / 2)
        compact (queue);
    }
  timer->event = NULL;
  timer->seq = 0;
}

gboolean
ms_queue_pending (const MsQueue *queue, const MsTimer *timer)
{
  (void) queue;
  return timer->event != NULL && timer->event->seq == timer->seq
         && timer->event->func != NULL;
}

/* Removes the top entry and restores the heap property (sift down). */
static void
heap_remove_top (MsQueue *queue)
{
  Entry last = queue->heap[--queue->length];
  if (queue->length > 0)
    sift_down (queue->heap, queue->length, 0, last);
}

/* Drops tombstones sitting at the top.  Returns TRUE if a live event is
 * now at the top. */
static inline gboolean
skip_tombstones (MsQueue *queue)
{
  while (queue->length > 0)
    {
      MsEvent *top = queue->heap[0].event;
      if (top->func != NULL)
        return TRUE;
      heap_remove_top (queue);
      event_release (queue, top);
      queue->dead--;
    }
  return FALSE;
}

gint64
ms_queue_next_time (MsQueue *queue)
{
  return skip_tombstones (queue) ? queue->heap[0].time : G_MAXINT64;
}

gboolean
ms_queue_pop (MsQueue *queue, gint64 *at, MsEventFunc *func, gpointer *data)
{
  return ms_queue_pop_until (queue, G_MAXINT64, at, func, data);
}

gboolean
ms_queue_pop_until (MsQueue *queue, gint64 until, gint64 *at, MsEventFunc *func,
                    gpointer *data)
{
  if (!skip_tombstones (queue) || queue->heap[0].time > until)
    return FALSE;
  Entry top = queue->heap[0];
  heap_remove_top (queue);
  *at = top.time;
  *func = top.event->func;
  *data = top.event->data;
  event_release (queue, top.event);
  return TRUE;
}

guint
ms_queue_length (const MsQueue *queue)
{
  return queue->length;
}
