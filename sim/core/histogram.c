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

#define SUB (1u << MS_HISTOGRAM_SUB_BITS)

struct _MsHistogram {
  guint64 *counts;
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
static inline void
bucket_range (guint index, guint64 *low, guint64 *width)
{
  if (index < SUB)
    {
      *low = index;
      *width = 1;
      return;
    }
  guint e = index / SUB - 1;
  guint64 mantissa = index % SUB + SUB;
  *low = mantissa << e;
  *width = (guint64) 1 << e;
}

void
ms_histogram_record (MsHistogram *h, gint64 value)
{
  if (value < 0)
    value = 0;
  guint index = bucket_of ((guint64) value);
  if (G_UNLIKELY (index >= h->n_counts))
    {
      guint n = MAX (index + 1, h->n_counts * 2);
      h->counts = g_renew (guint64, h->counts, n);
      memset (h->counts + h->n_counts, 0, (n - h->n_counts) * sizeof (guint64));
      h->n_counts = n;
    }
  h->counts[index]++;
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
    {
      h->counts = g_renew (guint64, h->counts, other->n_counts);
      memset (h->counts + h->n_counts, 0,
              (other->n_counts - h->n_counts) * sizeof (guint64));
      h->n_counts = other->n_counts;
    }
  for (guint i = 0; i < other->n_counts; i++)
    h->counts[i] += other->counts[i];
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
          guint64 low, width;
          bucket_range (i, &low, &width);
          gint64 mid = (gint64) (low + width / 2);
          /* The midpoint can lie outside what was seen; clamp to the exact
           * extremes so p99 never exceeds max. */
          return CLAMP (mid, h->min, h->max);
        }
    }
  return h->max;
}
