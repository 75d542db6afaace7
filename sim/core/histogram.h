/* sim/core/histogram.h - log-linear latency histogram with a stated error.
 *
 * Values are non-negative integers (microseconds in practice).  Values below
 * 2^MS_HISTOGRAM_SUB_BITS are counted exactly; above, each power of two is
 * split into 2^MS_HISTOGRAM_SUB_BITS equal buckets, as HdrHistogram does.
 * A quantile is reported as the mean of the values in its bucket, so its
 * relative error is below 1 / 2^MS_HISTOGRAM_SUB_BITS = 0.39 %, it is exact
 * below 256 µs and whenever its bucket holds one distinct value.  Mean, min
 * and max are kept exactly.  Recording is O(1) with no allocation once the
 * largest value has been seen.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MS_HISTOGRAM_SUB_BITS 8

typedef struct _MsHistogram MsHistogram;

MsHistogram *ms_histogram_new (void);
void ms_histogram_free (MsHistogram *histogram);

void ms_histogram_record (MsHistogram *histogram, gint64 value);

/* Adds every value of other into histogram. */
void ms_histogram_merge (MsHistogram *histogram, const MsHistogram *other);

guint64 ms_histogram_count (const MsHistogram *histogram);
gint64 ms_histogram_min (const MsHistogram *histogram);
gint64 ms_histogram_max (const MsHistogram *histogram);
double ms_histogram_mean (const MsHistogram *histogram);

/* The value below which a fraction q (0..1) of the values fall, using the
 * nearest-rank definition; 0 for an empty histogram.  q = 1 gives max. */
gint64 ms_histogram_quantile (const MsHistogram *histogram, double q);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsHistogram, ms_histogram_free)

G_END_DECLS
