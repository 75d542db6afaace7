/* sim/core/histogram.c - bucketed counts, HdrHistogram style.
 *
 * Bucket index of v: below 2^S (S = sub-bucket bits) the value itself.
 * Above, with e = floor(log2 v) - S, the S bits under the leading one pick
 * the sub-bucket: index = (e + 1) * 2^S + (v >> e) - 2^S.  Each bucket is
 * then 2^e wide for values in [2^(S+e), 2^(S+e+1)), a relative width of at
 * most 2^-S.  The counts array grows on demand to the highest bucket seen,
 * so short runs stay small (about 2 KiB per decade of microseconds).
 */
#include "sim/core/histogram.h"

#include <string.h>

#define SUB (1u << MS_HISTOGRAM_SUB_BITS)

struct _MsHistogram {
  guint64 *counts;
  double *sums;         /* per bucket: the values' sum, for the mean within */
  guint n_counts;
  guint64 total;
  gint64 min;
  gint64 max;
  double sum;
};

MsHistogram *
ms_histogram_new (void)
{
  MsHistogram *h = g_new0 (MsHistogram, 1);
  h->min = G_MAXINT64;
  return h;
}

void
ms_histogram_free (MsHistogram *histogram)
{
  if (histogram == NULL)
    return;
  g_free (histogram->counts);
  g_free (histogram->sums);
  g_free (histogram);
}

static inline guint
bucket_of (guint64 v)
{
  if (v < SUB)
    return (guint) v;
  int e = 63 - __builtin_clzll (v) - MS_HISTOGRAM_SUB_BITS;   /* >= 0 */
  return (guint) ((e + 1) * SUB + ((v >> e) - SUB));
}

/* Lowest value in a bucket and the bucket's width. */
static void
grow (MsHistogram *h, guint n)
{
  h->counts = g_renew (guint64, h->counts, n);
  h->sums = g_renew (double, h->sums, n);
  memset (h->counts + h->n_counts, 0, (n - h->n_counts) * sizeof (guint64));
  memset (h->sums + h->n_counts, 0, (n - h->n_counts) * sizeof (double));
  h->n_counts = n;
}

void
ms_histogram_record (MsHistogram *h, gint64 value)
{
  if (value < 0)
    value = 0;
  guint index = bucket_of ((guint64) value);
  if (G_UNLIKELY (index >= h->n_counts))
    grow (h, MAX (index + 1, h->n_counts * 2));
  h->counts[index]++;
  h->sums[index] += (double) value;
  h->total++;
  h->sum += (double) value;
  if (value < h->min)
    h->min = value;
  if (value > h->max)
    h->max = value;
}

void
ms_histogram_merge (MsHistogram *h, const MsHistogram *other)
{
  if (other->total == 0)
    return;
  if (other->n_counts > h->n_counts)
    grow (h, other->n_counts);
  for (guint i = 0; i < other->n_counts; i++)
    {
      h->counts[i] += other->counts[i];
      h->sums[i] += other->sums[i];
    }
  h->total += other->total;
  h->sum += other->sum;
  h->min = MIN (h->min, other->min);
  h->max = MAX (h->max, other->max);
}

guint64
ms_histogram_count (const MsHistogram *h)
{
  return h->total;
}

gint64
ms_histogram_min (const MsHistogram *h)
{
  return h->total ? h->min : 0;
}

gint64
ms_histogram_max (const MsHistogram *h)
{
  return h->total ? h->max : 0;
}

double
ms_histogram_mean (const MsHistogram *h)
{
  return h->total ? h->sum / (double) h->total : 0.0;
}

gint64
ms_histogram_quantile (const MsHistogram *h, double q)
{
  if (h->total == 0)
    return 0;
  if (q >= 1.0)
    return h->max;
  if (q < 0.0)
    q = 0.0;
  /* Nearest rank: the smallest value with at least ceil(q * n) values at or
   * below it (rank 1 for q = 0). */
  guint64 rank = (guint64) (q * (double) h->total);
  if ((double) rank < q * (double) h->total)
    rank++;
  if (rank == 0)
    rank = 1;
  guint64 seen = 0;
  for (guint i = 0; i < h->n_counts; i++)
    {
      seen += h->counts[i];
      if (seen >= rank)
        {
          /* The mean of the values in the bucket: inside the bucket, so
           * within its width of the true quantile, and exact when the
           * bucket holds one distinct value (fixed latencies). */
          gint64 mean = (gint64) (h->sums[i] / (double) h->counts[i] + 0.5);
          return CLAMP (mean, h->min, h->max);
        }
    }
  return h->max;
}
