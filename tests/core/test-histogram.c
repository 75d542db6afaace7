/* tests/core/test-histogram.c - latency percentiles and their stated error.
 *
 * sim/core/histogram.h promises exact values below 2^8 µs and at most
 * 0.39 % relative error above; these tests hold it to that against exact
 * percentiles computed by sorting.
 */
#include "sim/core/histogram.h"
#include "sim/core/random.h"

#include <math.h>

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
test_exact_small (void)
{
  g_test_summary ("Values below 256 are counted exactly");
  g_autoptr (MsHistogram) h = ms_histogram_new ();
  for (int v = 1; v <= 100; v++)
    ms_histogram_record (h, v);
  g_assert_cmpint (ms_histogram_quantile (h, 0.5), ==, 50);
  g_assert_cmpint (ms_histogram_quantile (h, 0.99), ==, 99);
  g_assert_cmpint (ms_histogram_quantile (h, 1.0), ==, 100);
  g_assert_cmpint (ms_histogram_min (h), ==, 1);
  g_assert_cmpfloat (ms_histogram_mean (h), ==, 50.5);
}

static void
test_error_bound (void)
{
  g_test_summary ("Quantiles of wide-ranging values are within 0.39 % of the exact ones");
  g_autoptr (MsHistogram) h = ms_histogram_new ();
  MsRandom r;
  ms_random_seed (&r, 1);
  int n = 50000;
  g_autofree gint64 *v = g_new (gint64, n);
  for (int i = 0; i < n; i++)
    {
      /* Log-uniform from 1 µs to about 100 s. */
      v[i] = (gint64) exp (ms_random_double (&r) * log (1e8));
      ms_histogram_record (h, v[i]);
    }
  qsort (v, n, sizeof (gint64), compare_gint64);
  double qs[] = { 0.01, 0.1, 0.5, 0.9, 0.99, 0.999 };
  for (guint i = 0; i < G_N_ELEMENTS (qs); i++)
    {
      gint64 exact = v[(int) ceil (qs[i] * n) - 1];
      gint64 approx = ms_histogram_quantile (h, qs[i]);
      g_assert_cmpfloat (fabs ((double) (approx - exact)), <=, 0.0039 * (double) exact + 0.5);
    }
  g_assert_cmpint (ms_histogram_max (h), ==, v[n - 1]);
  g_assert_cmpuint (ms_histogram_count (h), ==, (guint64) n);
}

static void
test_empty_and_merge (void)
{
  g_test_summary ("An empty histogram reads 0; merging adds counts and keeps extremes");
  g_autoptr (MsHistogram) a = ms_histogram_new ();
  g_autoptr (MsHistogram) b = ms_histogram_new ();
  g_assert_cmpint (ms_histogram_quantile (a, 0.5), ==, 0);
  g_assert_cmpint (ms_histogram_max (a), ==, 0);
  ms_histogram_record (a, 10);
  ms_histogram_record (b, 1000000);
  ms_histogram_merge (a, b);
  g_assert_cmpuint (ms_histogram_count (a), ==, 2);
  g_assert_cmpint (ms_histogram_max (a), ==, 1000000);
  g_assert_cmpint (ms_histogram_quantile (a, 0.5), ==, 10);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/histogram/exact-small", test_exact_small);
  g_test_add_func ("/core/histogram/error-bound", test_error_bound);
  g_test_add_func ("/core/histogram/empty-and-merge", test_empty_and_merge);
  return g_test_run ();
}
