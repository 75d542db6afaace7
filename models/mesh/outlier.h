/* models/mesh/outlier.h - Envoy's outlier detection, per client proxy, per
 * cluster, per host.
 *
 * The algorithm of Envoy's outlier_detection_impl.cc as Istio configures it
 * (reference 2.4): consecutive 5xx and gateway-error counters per host,
 * ejection the moment a counter reaches its threshold (if the
 * maxEjectionPercent rule allows), un-ejection only on an interval tick
 * once base x backoff has passed, a backoff that grows per ejection and
 * decays while the host stays healthy, and Istio's panic threshold
 * (minHealthPercent, 0 by default: with every host ejected the cluster
 * answers 503 UH).  Local-origin failures count as 503 (connect failure)
 * and 504 (timeout), since Istio does not split them.
 */
#pragma once

#include "sim/core/sim.h"
#include "sim/io/node.h"

G_BEGIN_DECLS

/* DestinationRule trafficPolicy.outlierDetection, after Istio's
 * translation. */
typedef struct {
  gboolean set;
  guint consecutive_5xx;        /* 0: this detector is off; default 5 */
  guint consecutive_gateway;    /* 0: off (Envoy's default enforcement) */
  MsTime interval;              /* 10s */
  MsTime base_ejection;         /* 30s */
  MsTime max_ejection;          /* max(300s, base) */
  double max_ejection_percent;  /* 10 */
  double min_health_percent;    /* 0: panic mode off */
  gboolean legacy_percent_rule; /* Envoy < 1.28 (Istio < 1.20) */
} MsOutlierSettings;

/* Reads an outlierDetection block (node may be NULL: detection off).
 * Deprecated fields add a warning to warnings. */
gboolean ms_outlier_settings_read (const MsNode *node, const char *release,
                                   MsOutlierSettings *out, GPtrArray *warnings, GError **error);

/* Per host state, embedded in MsUpstreamHost. */
typedef struct {
  guint consecutive_5xx;
  guint consecutive_gateway;
  gboolean ejected;
  MsTime last_ejection;
  MsTime last_unejection;       /* -1: never ejected */
  guint backoff;                /* Envoy's ejectTimeBackoff */
  guint num_ejections;
} MsOutlierHost;

/* Per cluster state. */
typedef struct {
  const MsOutlierSettings *settings;
  guint ejections_active;
  guint64 ejections_enforced_total;
  guint64 ejections_overflow;
  MsTime created;               /* interval ticks are created + k x interval */
  MsTimer tick;
} MsOutlierCluster;

G_END_DECLS
