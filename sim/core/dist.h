/* sim/core/dist.h - distributions of durations (service time, network).
 *
 * The shapes SCENARIO.md offers for `latency`: fixed, exponential (mean),
 * uniform (min, max) and lognormal, given by its median and 99th
 * percentile the way people describe latency ("p50 4ms, p99 30ms").
 * Samples are integer microseconds, never negative.
 */
#pragma once

#include <glib.h>

#include "sim/core/random.h"

G_BEGIN_DECLS

typedef enum {
  MS_DIST_FIXED,
  MS_DIST_EXPONENTIAL,
  MS_DIST_UNIFORM,
  MS_DIST_LOGNORMAL,
} MsDistKind;

typedef struct {
  MsDistKind kind;
  gint64 value;     /* fixed */
  gint64 mean;      /* exponential */
  gint64 min, max;  /* uniform */
  double mu, sigma; /* lognormal, of ln(µs) */
} MsDist;

MsDist ms_dist_fixed (gint64 value);
MsDist ms_dist_exponential (gint64 mean);
MsDist ms_dist_uniform (gint64 min, gint64 max);
/* p99 must be >= p50 > 0; equal values give a fixed distribution. */
MsDist ms_dist_lognormal (gint64 p50, gint64 p99);

/* Draws one value.  A fixed distribution draws nothing from random, so
 * changing another actor's latency never shifts this one's stream. */
gint64 ms_dist_sample (const MsDist *dist, MsRandom *random);

/* The distribution's mean, for reports and sanity checks. */
double ms_dist_mean (const MsDist *dist);

G_END_DECLS
