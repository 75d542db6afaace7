/* tests/core/test-random.c - PRNG streams and the duration distributions.
 *
 * Pins down what determinism rests on: the same (seed, stream name) gives
 * the same numbers, different names give unrelated numbers, the state can
 * be saved and restored, and a zero-probability draw consumes nothing.
 */
#include "sim/core/dist.h"
#include "sim/core/random.h"

#include <math.h>

static void
test_same_seed_same_stream (void)
{
  g_test_summary ("The same seed and stream name give the same sequence");
  MsRandom a, b;
  ms_random_seed_stream (&a, 7, "reviews-v2-0");
  ms_random_seed_stream (&b, 7, "reviews-v2-0");
  for (int i = 0; i < 1000; i++)
    g_assert_cmpuint (ms_random_next (&a), ==, ms_random_next (&b));
}

static void
test_known_values (void)
{
  g_test_summary ("The generator is xoshiro256** seeded by splitmix64: fixed first values "
                  "(a change here changes every report)");
  MsRandom r;
  ms_random_seed (&r, 0);
  /* splitmix64(0) gives 0xe220a8397b1dcdaf as its first output. */
  g_assert_cmpuint (r.s[0], ==, G_GUINT64_CONSTANT (0xe220a8397b1dcdaf));
  guint64 first = ms_random_next (&r);
  ms_random_seed (&r, 0);
  g_assert_cmpuint (ms_random_next (&r), ==, first);
}

static void
test_independent_streams (void)
{
  g_test_summary ("Different names or seeds give streams that share no prefix and whose "
                  "uniforms are uncorrelated");
  const char *names[] = { "a", "b", "pod-0", "pod-1", "traffic/users" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    for (guint j = i + 1; j < G_N_ELEMENTS (names); j++)
      {
        MsRandom x, y;
        ms_random_seed_stream (&x, 1, names[i]);
        ms_random_seed_stream (&y, 1, names[j]);
        double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
        int n = 20000, equal = 0;
        for (int k = 0; k < n; k++)
          {
            guint64 rx = ms_random_next (&x), ry = ms_random_next (&y);
            equal += rx == ry;
            double u = (double) (rx >> 11) * 0x1.0p-53, v = (double) (ry >> 11) * 0x1.0p-53;
            sx += u, sy += v, sxy += u * v, sxx += u * u, syy += v * v;
          }
        g_assert_cmpint (equal, ==, 0);
        double cov = sxy / n - (sx / n) * (sy / n);
        double corr = cov / sqrt ((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
        /* 5 sigma for n = 20000 is about 0.035. */
        g_assert_cmpfloat (fabs (corr), <, 0.035);
      }
  MsRandom s1, s2;
  ms_random_seed_stream (&s1, 1, "same");
  ms_random_seed_stream (&s2, 2, "same");
  g_assert_cmpuint (ms_random_next (&s1), !=, ms_random_next (&s2));
}

static void
test_save_restore (void)
{
  g_test_summary ("Copying the state saves it: the copy continues identically");
  MsRandom r;
  ms_random_seed (&r, 99);
  for (int i = 0; i < 10; i++)
    ms_random_next (&r);
  MsRandom saved = r;
  guint64 a = ms_random_next (&r);
  r = saved;
  g_assert_cmpuint (ms_random_next (&r), ==, a);
}

static void
test_chance_draws_nothing_at_bounds (void)
{
  g_test_summary ("chance(0) and chance(1) consume no numbers, so a zero fraction in a "
                  "scenario does not shift the stream");
  MsRandom a, b;
  ms_random_seed (&a, 5);
  ms_random_seed (&b, 5);
  g_assert_false (ms_random_chance (&a, 0.0));
  g_assert_true (ms_random_chance (&a, 1.0));
  g_assert_cmpuint (ms_random_next (&a), ==, ms_random_next (&b));
}

static void
test_below_range (void)
{
  g_test_summary ("below(n) stays in [0, n) and hits every value");
  MsRandom r;
  ms_random_seed (&r, 3);
  int seen[7] = { 0 };
  for (int i = 0; i < 7000; i++)
    {
      guint64 v = ms_random_below (&r, 7);
      g_assert_cmpuint (v, <, 7);
      seen[v]++;
    }
  for (int i = 0; i < 7; i++)
    g_assert_cmpint (seen[i], >, 800);
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
test_lognormal_percentiles (void)
{
  g_test_summary ("lognormal(p50, p99) has those percentiles (within 3%)");
  MsDist d = ms_dist_lognormal (4000, 30000);
  MsRandom r;
  ms_random_seed (&r, 11);
  int n = 100000;
  g_autofree gint64 *v = g_new (gint64, n);
  for (int i = 0; i < n; i++)
    v[i] = ms_dist_sample (&d, &r);
  qsort (v, n, sizeof (gint64), compare_gint64);
  g_assert_cmpfloat (fabs ((double) v[n / 2] - 4000) / 4000, <, 0.03);
  g_assert_cmpfloat (fabs ((double) v[n * 99 / 100] - 30000) / 30000, <, 0.03);
}

static void
test_dist_means (void)
{
  g_test_summary ("fixed, uniform and exponential have the stated means");
  MsRandom r;
  ms_random_seed (&r, 12);
  MsDist fixed = ms_dist_fixed (250), uniform = ms_dist_uniform (1000, 9000),
         expo = ms_dist_exponential (3000);
  double su = 0, se = 0;
  int n = 100000;
  for (int i = 0; i < n; i++)
    {
      g_assert_cmpint (ms_dist_sample (&fixed, &r), ==, 250);
      gint64 u = ms_dist_sample (&uniform, &r);
      g_assert_cmpint (u, >=, 1000);
      g_assert_cmpint (u, <=, 9000);
      su += (double) u;
      se += (double) ms_dist_sample (&expo, &r);
    }
  g_assert_cmpfloat (fabs (su / n - 5000) / 5000, <, 0.01);
  g_assert_cmpfloat (fabs (se / n - 3000) / 3000, <, 0.02);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/random/same-seed-same-stream", test_same_seed_same_stream);
  g_test_add_func ("/core/random/known-values", test_known_values);
  g_test_add_func ("/core/random/independent-streams", test_independent_streams);
  g_test_add_func ("/core/random/save-restore", test_save_restore);
  g_test_add_func ("/core/random/chance-draws-nothing-at-bounds",
                   test_chance_draws_nothing_at_bounds);
  g_test_add_func ("/core/random/below-range", test_below_range);
  g_test_add_func ("/core/dist/lognormal-percentiles", test_lognormal_percentiles);
  g_test_add_func ("/core/dist/means", test_dist_means);
  return g_test_run ();
}
