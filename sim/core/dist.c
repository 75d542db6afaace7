/* sim/core/dist.c - sampling the duration distributions.
 *
 * Lognormal from (p50, p99): the median of exp(N(mu, sigma)) is exp(mu), and
 * its 99th percentile is exp(mu + z99 sigma) with z99 = 2.3263478740, so
 * mu = ln p50 and sigma = ln(p99 / p50) / z99.  Samples are rounded to the
 * nearest microsecond and clamped at 0 (and at one hour, so that a heavy
 * tail cannot schedule an event past any sensible run).
 */
#include "sim/core/dist.h"

#include <math.h>

#define Z99 2.3263478740408408
#define MAX_SAMPLE ((gint64) 3600 * 1000000)

MsDist
ms_dist_fixed (gint64 value)
{
  return (MsDist){ .kind = MS_DIST_FIXED, .value = MAX (value, 0) };
}

MsDist
ms_dist_exponential (gint64 mean)
{
  return (MsDist){ .kind = MS_DIST_EXPONENTIAL, .mean = MAX (mean, 0) };
}

MsDist
ms_dist_uniform (gint64 min, gint64 max)
{
  return (MsDist){ .kind = MS_DIST_UNIFORM, .min = min, .max = MAX (min, max) };
}

MsDist
ms_dist_lognormal (gint64 p50, gint64 p99)
{
  g_return_val_if_fail (p50 > 0 && p99 >= p50, ms_dist_fixed (p50));
  if (p99 == p50)
    return ms_dist_fixed (p50);
  return (MsDist){ .kind = MS_DIST_LOGNORMAL,
                   .mu = log ((double) p50),
                   .sigma = log ((double) p99 / (double) p50) / Z99 };
}

static gint64
round_clamp (double v)
{
  if (!(v > 0.0))
    return 0;
  if (v > (double) MAX_SAMPLE)
    return MAX_SAMPLE;
  return (gint64) (v + 0.5);
}

gint64
ms_dist_sample (const MsDist *dist, MsRandom *random)
{
  switch (dist->kind)
    {
    case MS_DIST_FIXED:
      return dist->value;
    case MS_DIST_EXPONENTIAL:
      return round_clamp (ms_random_exponential (random, (double) dist->mean));
    case MS_DIST_UNIFORM:
      return dist->min + (gint64) ms_random_below (random, (guint64) (dist->max - dist->min) + 1);
    case MS_DIST_LOGNORMAL:
      return round_clamp (exp (dist->mu + dist->sigma * ms_random_normal (random)));
    default:
      g_assert_not_reached ();
    }
}

double
ms_dist_mean (const MsDist *dist)
{
  switch (dist->kind)
    {
    case MS_DIST_FIXED:
      return (double) dist->value;
    case MS_DIST_EXPONENTIAL:
      return (double) dist->mean;
    case MS_DIST_UNIFORM:
      return ((double) dist->min + (double) dist->max) / 2.0;
    case MS_DIST_LOGNORMAL:
      return exp (dist->mu + dist->sigma * dist->sigma / 2.0);
    default:
      g_assert_not_reached ();
    }
}
