/* tests/core/test-source.c - the GSource that paces a simulation to the
 * wall clock inside a GMainLoop (serve mode's engine).
 */
#include "sim/core/source.h"

typedef struct {
  gint64 wall_start;
  double speed;
  int ran;
  gboolean ahead;      /* an event ran before its wall-clock time */
  GMainLoop *loop;
} Pace;

static Pace *pace;

static void
on_event (MsSim *sim, gpointer data)
{
  (void) data;
  gint64 wall = g_get_monotonic_time () - pace->wall_start;
  /* Virtual time may lag the wall clock, never lead it (1 ms of slack for
   * the source's own rounding). */
  if ((double) ms_sim_now (sim) > (double) (wall + 1000) * pace->speed)
    pace->ahead = TRUE;
  if (++pace->ran == 3)
    g_main_loop_quit (pace->loop);
}

static gboolean
give_up (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
test_paced_run (void)
{
  g_test_summary ("Events run from a GMainLoop in order, never before their wall-clock time "
                  "at the given speed");
  g_autoptr (MsSim) sim = ms_sim_new (1);
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (context, FALSE);
  Pace p = { g_get_monotonic_time (), 10.0, 0, FALSE, loop };
  pace = &p;
  /* 50, 100 and 150 ms of virtual time: 5, 10 and 15 ms of wall time. */
  ms_sim_schedule (sim, MS_MSEC (50), on_event, NULL);
  ms_sim_schedule (sim, MS_MSEC (100), on_event, NULL);
  ms_sim_schedule (sim, MS_MSEC (150), on_event, NULL);
  GSource *source = ms_sim_source_new (sim, p.speed);
  g_source_attach (source, context);
  GSource *timeout = g_timeout_source_new (5000);
  g_source_set_callback (timeout, give_up, loop, NULL);
  g_source_attach (timeout, context);
  g_main_loop_run (loop);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_source_destroy (source);
  g_source_unref (source);
  g_assert_cmpint (p.ran, ==, 3);
  g_assert_false (p.ahead);
  g_assert_cmpint (ms_sim_now (sim), >=, MS_MSEC (150));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/source/paced-run", test_paced_run);
  return g_test_run ();
}
