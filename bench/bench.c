/* bench/bench.c - meshsim-bench: wall-clock timing of the engine and of a run.
 *
 * Three cases, one per subcommand, each printing one row of a Markdown table
 * (bench/run prints the header and runs every case in its own process, so
 * that each row's peak RSS is its own):
 *
 *   queue PENDING   the hold model on MsQueue alone: pop the earliest event,
 *                   call its (empty) callback, push one event at its time
 *                   plus a random delay, with PENDING events always queued;
 *   sim PENDING     the same hold model through MsSim: each event's callback
 *                   calls ms_sim_schedule(), ms_sim_run_until() runs them;
 *   chain FILE [CONNECTIONS]
 *                   a whole scenario in-process (ms_scenario_load,
 *                   ms_world_new, ms_world_run), reporting simulated
 *                   requests and events per wall-clock second, peak RSS and
 *                   the exchange pool's bytes per live exchange; CONNECTIONS
 *                   widens every closed-loop source.
 *
 * Every figure is the best of three timed runs: the minimum is the least
 * disturbed by the other process on a two-core machine, and what the code
 * can do is what we want to know.  The delays come from a table filled once
 * by MsRandom with a fixed seed, so the queue cases time the heap and not
 * the PRNG, and every run pushes the same sequence.  Nothing here is part
 * of the library; the wall clock is read only around the timed loops.
 */
#include "models/world.h"
#include "sim/core/queue.h"
#include "sim/core/random.h"
#include "sim/core/sim.h"
#include "sim/io/report.h"
#include "sim/io/scenario.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define EXIT_BAD_INPUT 2
/* Errors of the benchmark itself (a scenario that does not fit it). */
#define BENCH_ERROR g_quark_from_static_string ("meshsim-bench-error")

/* Timed runs per case; the best is reported.  MESHSIM_BENCH_RUNS
 * overrides it (bench/run --instructions uses 1, under callgrind). */
#define RUNS 3
/* Each queue run lasts at least this long (wall µs). */
#define RUN_WALL (G_USEC_PER_SEC / 2)
/* Operations between two reads of the clock: ~1 ms of work, so the clock
 * costs nothing measurable. */
#define CHUNK 65536

/* The delay table: 2^16 exponential delays, mean 1 ms of virtual time.  A
 * power of two so that indexing is a mask. */
#define DELAYS 65536
#define DELAY_MEAN_US 1000.0
#define DELAY_SEED 20240601

/* Design targets from the issue, checked in the last column. */
#define TARGET_QUEUE_EVENTS 10e6
#define TARGET_CHAIN_REQUESTS 500e3

static gint64 delays[DELAYS];

static void
fill_delays (void)
{
  MsRandom random;
  ms_random_seed (&random, DELAY_SEED);
  for (guint i = 0; i < DELAYS; i++)
    delays[i] = (gint64) ms_random_exponential (&random, DELAY_MEAN_US);
}

/* Peak resident set of this process so far, in MiB (ru_maxrss is KiB on
 * Linux). */
static double
peak_rss_mib (void)
{
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

/* "12.3M" / "456.7k": rates as people read them. */
static char *
format_rate (double rate)
{
  if (rate >= 1e6)
    return g_strdup_printf ("%.2fM", rate / 1e6);
  return g_strdup_printf ("%.1fk", rate / 1e3);
}

static char *
format_target (double value, double target, const char *unit)
{
  g_autofree char *wanted = format_rate (target);
  if (value >= target)
    return g_strdup_printf (">= %s %s: met", wanted, unit);
  return g_strdup_printf (">= %s %s: **missed** (%.0f%%)", wanted, unit,
                          100.0 * value / target);
}

static void
print_row (const char *name, double events_per_s, const char *requests_per_s,
           const char *bytes_per_exchange, const char *target)
{
  g_autofree char *events = format_rate (events_per_s);
  printf ("| %s | %s | %s | %.1f MiB | %s | %s |\n", name, events, requests_per_s,
          peak_rss_mib (), bytes_per_exchange, target);
  fflush (stdout);
}

static void
print_header (void)
{
  printf ("| case | events/s | sim requests/s | peak RSS | pool bytes / peak live exchanges | target |\n"
          "|---|---:|---:|---:|---:|---|\n");
}

/* The queue alone. */

/* The null event: the cost measured is the queue's and the indirect call's. */
static void
null_event (gpointer context, gpointer data)
{
  (void) context;
  (void) data;
}

/* One hold step, n times: pop the earliest, run it, push its successor.
 * Returns the time of the last event popped, which the caller checks never
 * goes backwards (a broken heap would otherwise look fast). */
static gint64
queue_hold (MsQueue *queue, guint64 n, guint *next_delay, gint64 last)
{
  guint k = *next_delay;
  for (guint64 i = 0; i < n; i++)
    {
      gint64 at;
      MsEventFunc func;
      gpointer data;
      if (G_UNLIKELY (!ms_queue_pop (queue, &at, &func, &data) || at < last))
        g_error ("the queue went back in time or ran dry: %" G_GINT64_FORMAT
                 " after %" G_GINT64_FORMAT, at, last);
      last = at;
      func (queue, data);
      ms_queue_push (queue, at + delays[k++ & (DELAYS - 1)], null_event, NULL);
    }
  *next_delay = k;
  return last;
}

static int
bench_queue (guint pending, guint runs)
{
  g_autoptr (MsQueue) queue = ms_queue_new ();
  guint k = 0;
  for (guint i = 0; i < pending; i++)
    ms_queue_push (queue, delays[k++ & (DELAYS - 1)], null_event, NULL);

  /* Warm-up: every pending event replaced twice, so the heap's shape and
   * the free list's order are those of the steady state, and the CPU has
   * left its idle clock. */
  gint64 last = queue_hold (queue, MAX (2 * (guint64) pending, 4 * CHUNK), &k, 0);

  double best = 0;
  for (guint run = 0; run < runs; run++)
    {
      guint64 events = 0;
      gint64 start = g_get_monotonic_time (), elapsed;
      do
        {
          last = queue_hold (queue, CHUNK, &k, last);
          events += CHUNK;
          elapsed = g_get_monotonic_time () - start;
        }
      while (elapsed < RUN_WALL);
      best = MAX (best, events * 1e6 / elapsed);
    }
  g_assert_cmpuint (ms_queue_length (queue), ==, pending);

  g_autofree char *name = g_strdup_printf ("queue alone, %u pending", pending);
  g_autofree char *target = pending == 1000
                              ? format_target (best, TARGET_QUEUE_EVENTS, "events/s")
                              : g_strdup ("(no target)");
  print_row (name, best, "-", "-", target);
  return 0;
}

/* The same through MsSim. */

typedef struct {
  guint next_delay;
} Hold;

static void
hold_event (MsSim *sim, gpointer data)
{
  Hold *hold = data;
  ms_sim_schedule (sim, delays[hold->next_delay++ & (DELAYS - 1)], hold_event, hold);
}

static int
bench_sim (guint pending, guint runs)
{
  g_autoptr (MsSim) sim = ms_sim_new (1);
  Hold hold = { 0 };
  for (guint i = 0; i < pending; i++)
    hold_event (sim, &hold);

  /* About CHUNK events per slice: pending events with a mean delay of
   * DELAY_MEAN_US run at pending / DELAY_MEAN_US events per virtual µs. */
  MsTime slice = (MsTime) (CHUNK * DELAY_MEAN_US / pending);
  ms_sim_run_until (sim, ms_sim_now (sim) + 4 * slice);

  double best = 0;
  for (guint run = 0; run < runs; run++)
    {
      guint64 before = ms_sim_events (sim);
      gint64 start = g_get_monotonic_time (), elapsed;
      do
        {
          ms_sim_run_until (sim, ms_sim_now (sim) + slice);
          elapsed = g_get_monotonic_time () - start;
        }
      while (elapsed < RUN_WALL);
      best = MAX (best, (ms_sim_events (sim) - before) * 1e6 / elapsed);
    }

  g_autofree char *name = g_strdup_printf ("MsSim schedule + run_until, %u pending", pending);
  g_autofree char *target = pending == 1000
                              ? format_target (best, TARGET_QUEUE_EVENTS, "events/s")
                              : g_strdup ("(no target)");
  print_row (name, best, "-", "-", target);
  return 0;
}

/* A whole scenario. */

typedef struct {
  gint64 wall_us;
  guint64 events;
  double completed;
  gsize pool_bytes;
  guint64 peak_exchanges;
} ChainRun;

static double
report_value (const MsReport *report, const char *path)
{
  double value = 0;
  if (!ms_report_number (ms_report_find (report, path), &value))
    g_error ("the report has no number at %s", path);
  return value;
}

static gboolean
chain_run (const MsScenario *scenario, ChainRun *out, GError **error)
{
  g_autoptr (MsWorld) world = ms_world_new (scenario, scenario->seed, -1, error);
  if (world == NULL)
    return FALSE;
  gint64 start = g_get_monotonic_time ();
  ms_world_run (world, NULL, NULL);
  out->wall_us = g_get_monotonic_time () - start;

  /* Every source must have finished cleanly, or the rate would count
   * requests that were rejected cheaply instead of served. */
  g_autoptr (MsReport) report = ms_world_report (world, -1);
  out->completed = 0;
  for (guint i = 0; i < scenario->traffic->len; i++)
    {
      const MsTrafficConfig *t = scenario->traffic->pdata[i];
      g_autofree char *completed = g_strdup_printf ("traffic.%s.completed", t->name);
      g_autofree char *ok = g_strdup_printf ("traffic.%s.status.200", t->name);
      g_autofree char *in_flight = g_strdup_printf ("traffic.%s.in_flight", t->name);
      double done = report_value (report, completed);
      if (report_value (report, in_flight) != 0
          || ms_report_find (report, ok) == NULL || report_value (report, ok) != done)
        {
          g_set_error (error, BENCH_ERROR, 1,
                       "%s: traffic %s did not complete every request with 200; "
                       "the benchmark scenario must never reject", scenario->file, t->name);
          return FALSE;
        }
      out->completed += done;
    }
  out->events = ms_sim_events (ms_world_sim (world));
  ms_exchange_pool_stats (ms_cluster_pool (ms_world_cluster (world)), &out->pool_bytes,
                          &out->peak_exchanges);
  return TRUE;
}

static int
bench_chain (const char *path, gint64 connections, guint runs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) scenario = ms_scenario_load (path, &error);
  if (scenario == NULL)
    {
      fprintf (stderr, "meshsim-bench: %s\n", error->message);
      return EXIT_BAD_INPUT;
    }
  /* A wider closed loop with the same requests: more in flight, a bigger
   * heap and enough exchanges that the pool's slab rounding fades. */
  gint64 in_flight = 0;
  for (guint i = 0; i < scenario->traffic->len; i++)
    {
      MsTrafficConfig *t = scenario->traffic->pdata[i];
      if (connections > 0 && t->mode == MS_TRAFFIC_CLOSED)
        t->connections = connections;
      in_flight += t->mode == MS_TRAFFIC_CLOSED ? t->connections : 0;
    }

  ChainRun best = { .wall_us = G_MAXINT64 };
  for (guint run = 0; run < runs; run++)
    {
      ChainRun this = { 0 };
      if (!chain_run (scenario, &this, &error))
        {
          fprintf (stderr, "meshsim-bench: %s\n", error->message);
          return EXIT_BAD_INPUT;
        }
      /* Same scenario, same seed: the runs must be identical but for time. */
      g_assert_true (run == 0 || this.events == best.events);
      if (this.wall_us < best.wall_us)
        best = this;
    }

  double seconds = best.wall_us / 1e6;
  double requests_per_s = best.completed / seconds;
  g_autofree char *requests = format_rate (requests_per_s);
  /* The pool's bytes per live exchange (slab rounding included), and per
   * request in flight: each end-to-end request holds several exchanges,
   * one per leg and layer. */
  double per_exchange = (double) best.pool_bytes / best.peak_exchanges;
  double exchanges_per_request = in_flight > 0 ? (double) best.peak_exchanges / in_flight : 0;
  g_autofree char *bytes = g_strdup_printf ("%.0f B (%zu B / %" G_GUINT64_FORMAT "); "
                                            "%.1f exchanges per request in flight: %.0f B each",
                                            per_exchange, best.pool_bytes,
                                            best.peak_exchanges, exchanges_per_request,
                                            per_exchange * exchanges_per_request);
  g_autofree char *target = format_target (requests_per_s, TARGET_CHAIN_REQUESTS,
                                           "requests/s");
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *name = g_strdup_printf ("%s, %" G_GINT64_FORMAT " connections: %.0f "
                                           "requests, %.1f events each, best run %.1f ms",
                                           base, in_flight, best.completed,
                                           best.events / best.completed, best.wall_us / 1e3);
  print_row (name, best.events / seconds, requests, bytes, target);
  return 0;
}

static const char usage[] =
  "Usage:\n"
  "  meshsim-bench header          print the table's header\n"
  "  meshsim-bench queue PENDING   hold model on MsQueue with PENDING events\n"
  "  meshsim-bench sim PENDING     hold model through ms_sim_schedule/run_until\n"
  "  meshsim-bench chain FILE [CONNECTIONS]\n"
  "                                run a scenario in-process, best of 3; CONNECTIONS\n"
  "                                replaces every closed-loop source's connections\n"
  "Each case prints one Markdown table row; bench/run runs them all.\n";

static gboolean
parse_count (const char *text, guint *out)
{
  guint64 value;
  if (!g_ascii_string_to_unsigned (text, 10, 1, 100000000, &value, NULL))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C");
  fill_delays ();
  guint pending, runs = RUNS;
  const char *runs_text = g_getenv ("MESHSIM_BENCH_RUNS");
  if (runs_text != NULL && !parse_count (runs_text, &runs))
    {
      fprintf (stderr, "meshsim-bench: MESHSIM_BENCH_RUNS must be a positive integer, not %s\n",
               runs_text);
      return EXIT_BAD_INPUT;
    }
  if (argc == 2 && g_str_equal (argv[1], "header"))
    {
      print_header ();
      return 0;
    }
  if (argc == 3 && g_str_equal (argv[1], "queue") && parse_count (argv[2], &pending))
    return bench_queue (pending, runs);
  if (argc == 3 && g_str_equal (argv[1], "sim") && parse_count (argv[2], &pending))
    return bench_sim (pending, runs);
  guint connections = 0;
  if ((argc == 3 || (argc == 4 && parse_count (argv[3], &connections)))
      && g_str_equal (argv[1], "chain"))
    return bench_chain (argv[2], connections, runs);
  fputs (usage, stderr);
  return EXIT_BAD_INPUT;
}
