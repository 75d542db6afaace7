/* tests/core/test-queue.c - the event queue and the run loop.
 *
 * Every ordering rule stated in sim/core/queue.h and sim/core/sim.h has a
 * named test here: equal times run in insertion order, a cancelled event
 * never runs, a stale timer is harmless, events scheduled "now" from an
 * event run after those already queued for the same instant.
 */
#include <string.h>

#include "sim/core/queue.h"
#include "sim/core/random.h"
#include "sim/core/sim.h"

typedef struct {
  GArray *order;   /* ints, in the order events ran */
  MsSim *sim;
} Log;

/* An event that does nothing, for tests about order alone. */
static void
record (MsSim *sim, gpointer data)
{
  (void) sim;
  (void) data;
}

typedef struct {
  Log *log;
  int id;
} Tag;

static void
record_into (MsSim *sim, gpointer data)
{
  (void) sim;
  Tag *tag = data;
  g_array_append_val (tag->log->order, tag->id);
}

static void
test_equal_time_insertion_order (void)
{
  g_test_summary ("Events at the same time run in the order they were pushed");
  g_autoptr (MsSim) sim = ms_sim_new (1);
  Log log = { g_array_new (FALSE, FALSE, sizeof (int)), sim };
  Tag tags[100];
  /* Interleave two times so the heap has to keep ties apart. */
  for (int i = 0; i < 100; i++)
    {
      tags[i] = (Tag){ &log, i };
      ms_sim_schedule_at (sim, (i % 2) ? 20 : 10, record_into, &tags[i]);
    }
  ms_sim_run_until (sim, 100);
  g_assert_cmpuint (log.order->len, ==, 100);
  for (int i = 0; i < 50; i++)
    {
      g_assert_cmpint (g_array_index (log.order, int, i), ==, 2 * i);
      g_assert_cmpint (g_array_index (log.order, int, 50 + i), ==, 2 * i + 1);
    }
  g_array_unref (log.order);
}

static void
test_time_order (void)
{
  g_test_summary ("Events run in time order whatever the push order");
  g_autoptr (MsQueue) queue = ms_queue_new ();
  MsRandom random;
  ms_random_seed (&random, 42);
  for (int i = 0; i < 10000; i++)
    ms_queue_push (queue, (gint64) ms_random_below (&random, 1000000), (MsEventFunc) record, NULL);
  gint64 last = -1, at;
  MsEventFunc func;
  gpointer data;
  guint n = 0;
  while (ms_queue_pop (queue, &at, &func, &data))
    {
      g_assert_cmpint (at, >=, last);
      last = at;
      n++;
    }
  g_assert_cmpuint (n, ==, 10000);
}

static void
test_cancelled_never_runs (void)
{
  g_test_summary ("A cancelled event never runs, and the others still do");
  g_autoptr (MsSim) sim = ms_sim_new (1);
  Log log = { g_array_new (FALSE, FALSE, sizeof (int)), sim };
  Tag tags[10];
  MsTimer timers[10];
  for (int i = 0; i < 10; i++)
    {
      tags[i] = (Tag){ &log, i };
      timers[i] = ms_sim_schedule (sim, 5 + i, record_into, &tags[i]);
    }
  ms_sim_cancel (sim, &timers[0]);   /* at the top of the heap */
  ms_sim_cancel (sim, &timers[4]);
  ms_sim_cancel (sim, &timers[9]);   /* the last one */
  g_assert_false (ms_sim_pending (sim, &timers[4]));
  g_assert_true (ms_sim_pending (sim, &timers[5]));
  g_assert_cmpint (ms_sim_next_time (sim), ==, 6);
  ms_sim_run_until (sim, 1000);
  int expected[] = { 1, 2, 3, 5, 6, 7, 8 };
  g_assert_cmpuint (log.order->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (g_array_index (log.order, int, i), ==, expected[i]);
  g_assert_cmpint (ms_sim_next_time (sim), ==, MS_TIME_NEVER);
  g_array_unref (log.order);
}

static void
test_stale_timer_harmless (void)
{
  g_test_summary ("Cancelling a timer whose event already ran does not touch the event "
                  "that now reuses its memory");
  g_autoptr (MsSim) sim = ms_sim_new (1);
  Log log = { g_array_new (FALSE, FALSE, sizeof (int)), sim };
  Tag first = { &log, 1 }, second = { &log, 2 };
  MsTimer stale = ms_sim_schedule (sim, 1, record_into, &first);
  ms_sim_run_until (sim, 1);
  /* The freed slot is reused by the next push. */
  MsTimer fresh = ms_sim_schedule (sim, 1, record_into, &second);
  g_assert_false (ms_sim_pending (sim, &stale));
  ms_sim_cancel (sim, &stale);
  g_assert_true (ms_sim_pending (sim, &fresh));
  ms_sim_run_until (sim, 10);
  g_assert_cmpuint (log.order->len, ==, 2);
  g_assert_cmpint (g_array_index (log.order, int, 1), ==, 2);
  g_array_unref (log.order);
}

static Tag chained_tag;

static void
schedule_now (MsSim *sim, gpointer data)
{
  Tag *tag = data;
  g_array_append_val (tag->log->order, tag->id);
  ms_sim_schedule (sim, 0, record_into, &chained_tag);
}

static void
test_now_runs_after_queued (void)
{
  g_test_summary ("An event scheduled for the current instant runs after every event "
                  "already queued for that instant");
  g_autoptr (MsSim) sim = ms_sim_new (1);
  Log log = { g_array_new (FALSE, FALSE, sizeof (int)), sim };
  Tag a = { &log, 1 }, b = { &log, 2 };
  chained_tag = (Tag){ &log, 3 };
  ms_sim_schedule_at (sim, 5, schedule_now, &a);
  ms_sim_schedule_at (sim, 5, record_into, &b);
  ms_sim_run_until (sim, 5);
  g_assert_cmpuint (log.order->len, ==, 3);
  g_assert_cmpint (g_array_index (log.order, int, 0), ==, 1);
  g_assert_cmpint (g_array_index (log.order, int, 1), ==, 2);
  g_assert_cmpint (g_array_index (log.order, int, 2), ==, 3);
  g_assert_cmpint (ms_sim_now (sim), ==, 5);
  g_array_unref (log.order);
}

static void
test_run_until (void)
{
  g_test_summary ("run_until runs events up to and including T, then sets the clock to T");
  g_autoptr (MsSim) sim = ms_sim_new (1);
  Log log = { g_array_new (FALSE, FALSE, sizeof (int)), sim };
  Tag a = { &log, 1 }, b = { &log, 2 };
  ms_sim_schedule_at (sim, 100, record_into, &a);
  ms_sim_schedule_at (sim, 101, record_into, &b);
  g_assert_cmpuint (ms_sim_run_until (sim, 100), ==, 1);
  g_assert_cmpint (ms_sim_now (sim), ==, 100);
  g_assert_cmpint (ms_sim_next_time (sim), ==, 101);
  g_assert_cmpuint (ms_sim_run_until (sim, 500), ==, 1);
  g_assert_cmpint (ms_sim_now (sim), ==, 500);
  g_assert_cmpuint (ms_sim_events (sim), ==, 2);
  g_array_unref (log.order);
}

static void
stop_here (MsSim *sim, gpointer data)
{
  (void) data;
  ms_sim_stop (sim);
}

static void
test_stop (void)
{
  g_test_summary ("ms_sim_stop returns from run_until after the current event, clock there");
  g_autoptr (MsSim) sim = ms_sim_new (1);
  ms_sim_schedule_at (sim, 10, stop_here, NULL);
  ms_sim_schedule_at (sim, 20, stop_here, NULL);
  g_assert_cmpuint (ms_sim_run_until (sim, 1000), ==, 1);
  g_assert_cmpint (ms_sim_now (sim), ==, 10);
  g_assert_cmpint (ms_sim_next_time (sim), ==, 20);
}

static void
test_growth (void)
{
  g_test_summary ("The heap and the event slabs grow past their first sizes");
  g_autoptr (MsQueue) queue = ms_queue_new ();
  for (int i = 0; i < 20000; i++)
    ms_queue_push (queue, 20000 - i, (MsEventFunc) record, NULL);
  g_assert_cmpuint (ms_queue_length (queue), ==, 20000);
  gint64 at;
  MsEventFunc func;
  gpointer data;
  g_assert_true (ms_queue_pop (queue, &at, &func, &data));
  g_assert_cmpint (at, ==, 1);
}

static void
test_cancelled_are_compacted (void)
{
  g_test_summary ("When cancelled events are over half the heap it is rebuilt without them; "
                  "the live ones still run in (time, insertion) order, stale timers stay harmless");
  g_autoptr (MsQueue) queue = ms_queue_new ();
  enum { N = 10000 };
  static MsTimer timers[N];
  /* Many equal times, so that the order among them rests on seq alone. */
  for (int i = 0; i < N; i++)
    timers[i] = ms_queue_push (queue, (N - i) / 7, (MsEventFunc) record, GINT_TO_POINTER (i));
  MsTimer copies[N];
  memcpy (copies, timers, sizeof timers);
  for (int i = 0; i < N; i++)
    if (i % 10 != 0)
      ms_queue_cancel (queue, &timers[i]);
  /* 9000 cancelled: at least one rebuild happened, so the heap holds
   * fewer entries than were pushed. */
  g_assert_cmpuint (ms_queue_length (queue), <, N);
  g_assert_cmpuint (ms_queue_length (queue), >=, N / 10);
  for (int i = 0; i < N; i++)
    {
      g_assert_true (ms_queue_pending (queue, &timers[i]) == (i % 10 == 0));
      ms_queue_cancel (queue, &copies[i]);   /* a stale or repeated cancel */
      if (i % 10 == 0)
        g_assert_false (ms_queue_pending (queue, &timers[i]));
    }
  /* Everything was cancelled now, through the copies. */
  gint64 at;
  MsEventFunc func;
  gpointer data;
  g_assert_false (ms_queue_pop (queue, &at, &func, &data));

  /* Again, keeping every tenth: they pop in time order, and among equal
   * times in the order they were pushed. */
  for (int i = 0; i < N; i++)
    timers[i] = ms_queue_push (queue, (N - i) / 7, (MsEventFunc) record, GINT_TO_POINTER (i));
  for (int i = 0; i < N; i++)
    if (i % 10 != 0)
      ms_queue_cancel (queue, &timers[i]);
  gint64 last_at = G_MININT64;
  int last_i = -1, popped = 0;
  while (ms_queue_pop (queue, &at, &func, &data))
    {
      int i = GPOINTER_TO_INT (data);
      g_assert_cmpint (i % 10, ==, 0);
      g_assert_true (at > last_at || (at == last_at && i > last_i));
      last_at = at;
      last_i = i;
      popped++;
    }
  g_assert_cmpint (popped, ==, N / 10);
}

static void
test_pop_until (void)
{
  g_test_summary ("pop_until takes the earliest live event only if it is due by then, "
                  "cancelled ones in front of it do not count, and a later one stays queued");
  g_autoptr (MsQueue) queue = ms_queue_new ();
  MsTimer early = ms_queue_push (queue, 5, (MsEventFunc) record, GINT_TO_POINTER (5));
  ms_queue_push (queue, 10, (MsEventFunc) record, GINT_TO_POINTER (10));
  ms_queue_push (queue, 20, (MsEventFunc) record, GINT_TO_POINTER (20));
  ms_queue_cancel (queue, &early);
  gint64 at;
  MsEventFunc func;
  gpointer data;
  g_assert_true (ms_queue_pop_until (queue, 15, &at, &func, &data));
  g_assert_cmpint (at, ==, 10);
  g_assert_cmpint (GPOINTER_TO_INT (data), ==, 10);
  g_assert_false (ms_queue_pop_until (queue, 15, &at, &func, &data));
  g_assert_true (ms_queue_pop_until (queue, 20, &at, &func, &data));
  g_assert_cmpint (at, ==, 20);
  g_assert_false (ms_queue_pop_until (queue, G_MAXINT64, &at, &func, &data));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/queue/equal-time-insertion-order", test_equal_time_insertion_order);
  g_test_add_func ("/core/queue/time-order", test_time_order);
  g_test_add_func ("/core/queue/cancelled-never-runs", test_cancelled_never_runs);
  g_test_add_func ("/core/queue/stale-timer-harmless", test_stale_timer_harmless);
  g_test_add_func ("/core/queue/growth", test_growth);
  g_test_add_func ("/core/queue/cancelled-are-compacted", test_cancelled_are_compacted);
  g_test_add_func ("/core/queue/pop-until", test_pop_until);
  g_test_add_func ("/core/sim/now-runs-after-queued", test_now_runs_after_queued);
  g_test_add_func ("/core/sim/run-until", test_run_until);
  g_test_add_func ("/core/sim/stop", test_stop);
  return g_test_run ();
}
