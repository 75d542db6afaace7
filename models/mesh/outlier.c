/* models/mesh/outlier.c - ejecting and returning hosts, as Envoy does.
 *
 * Timing rules, each pinned by a test in tests/mesh/test-outlier.c:
 * - a host is ejected by the response that makes a counter reach its
 *   threshold, at that instant, unless the maxEjectionPercent rule refuses
 *   (then ejections_overflow counts it);
 * - a host returns only on an interval tick, the first one at which
 *   min(base x backoff, max) has passed since its ejection;
 * - ticks fall at created + k x interval, created being when the proxy
 *   first used the cluster (Envoy arms the timer with the detector);
 * - on each tick a healthy host whose last return is at least one interval
 *   ago has its backoff decreased by one, down to 0.
 * The tick timer only runs while some host is ejected or has a backoff
 * above 0; ticks with nothing to do are skipped, which changes nothing.
 */
#include "models/mesh/proxy.h"

#include "sim/io/read.h"

gboolean
ms_outlier_settings_read (const MsNode *node, const char *release, MsOutlierSettings *out,
                          GPtrArray *warnings, GError **error)
{
  static const char *const fields[] = {
    "consecutiveErrors", "consecutive5xxErrors", "consecutiveGatewayErrors",
    "consecutiveLocalOriginFailures", "splitExternalLocalOriginErrors", "interval",
    "baseEjectionTime", "maxEjectionPercent", "minHealthPercent",
    "outlierDetectionHttpErrorCodes", NULL,
  };
  *out = (MsOutlierSettings){
    .consecutive_5xx = 5, .interval = MS_SEC (10), .base_ejection = MS_SEC (30),
    .max_ejection_percent = 10,
  };
  /* Envoy 1.28 (Istio 1.20) made maxEjectionPercent apply to the first
   * ejection too. */
  out->legacy_percent_rule = g_strcmp0 (release, "1.20") < 0 && strlen (release) == 4;
  if (node == NULL)
    return TRUE;
  gint64 c5xx = -1, gateway = 0, deprecated = -1;
  double max_percent = 10, min_health = 0;
  if (!ms_read_object (node, fields, error)
      || !ms_read_int (node, "consecutive5xxErrors", FALSE, 0, G_MAXUINT32, &c5xx, error)
      || !ms_read_int (node, "consecutiveGatewayErrors", FALSE, 0, G_MAXUINT32, &gateway, error)
      || !ms_read_int (node, "consecutiveErrors", FALSE, 0, G_MAXUINT32, &deprecated, error)
      || !ms_read_duration (node, "interval", FALSE, &out->interval, error)
      || !ms_read_duration (node, "baseEjectionTime", FALSE, &out->base_ejection, error)
      || !ms_read_number (node, "maxEjectionPercent", FALSE, 0, 100, &max_percent, error)
      || !ms_read_number (node, "minHealthPercent", FALSE, 0, 100, &min_health, error))
    return FALSE;
  if (out->interval < MS_MSEC (1))
    return ms_read_fail (error, ms_node_get (node, "interval"), MS_SCENARIO_ERROR_VALUE,
                         "interval must be at least 1ms");
  if (out->base_ejection < MS_MSEC (1))
    return ms_read_fail (error, ms_node_get (node, "baseEjectionTime"), MS_SCENARIO_ERROR_VALUE,
                         "baseEjectionTime must be at least 1ms");
  out->set = TRUE;
  if (c5xx >= 0)
    out->consecutive_5xx = (guint) c5xx;
  out->consecutive_gateway = (guint) gateway;
  if (ms_node_get (node, "maxEjectionPercent") != NULL && max_percent > 0)
    out->max_ejection_percent = max_percent;
  out->min_health_percent = min_health;
  out->max_ejection = MAX (MS_SEC (300), out->base_ejection);
  if (deprecated >= 0 && warnings != NULL)
    {
      /* Istio of these releases no longer translates consecutiveErrors:
       * Envoy's default of 5 consecutive 5xx applies instead. */
      const MsNode *field = ms_node_get (node, "consecutiveErrors");
      g_autofree char *path = ms_node_path (field);
      g_ptr_array_add (warnings,
                       g_strdup_printf ("%s:%d:%d: %s: consecutiveErrors is deprecated and "
                                        "ignored by Istio %s, so hosts are ejected after %u "
                                        "consecutive 5xx; write consecutive5xxErrors: %"
                                        G_GINT64_FORMAT, field->file, field->key_line,
                                        field->key_column, path, release,
                                        out->consecutive_5xx, deprecated));
    }
  return TRUE;
}

void
ms_outlier_cluster_init (MsEnvoyCluster *c)
{
  c->outlier.settings = c->policy && c->policy->outlier.set ? &c->policy->outlier : NULL;
  c->outlier.created = ms_sim_now (ms_cluster_sim (ms_mesh_cluster (c->proxy->mesh)));
}

void
ms_outlier_cluster_clear (MsEnvoyCluster *c)
{
  MsSim *sim = ms_cluster_sim (ms_mesh_cluster (c->proxy->mesh));
  ms_sim_cancel (sim, &c->outlier.tick);
}

void
ms_outlier_hosts_changed (MsEnvoyCluster *c)
{
  c->outlier.ejections_active = 0;
  for (guint i = 0; i < c->hosts->len; i++)
    if (((MsUpstreamHost *) c->hosts->pdata[i])->outlier.ejected)
      c->outlier.ejections_active++;
}

static void tick (MsSim *sim, gpointer data);

/* Arms the interval timer for the next tick if it is not running. */
static void
arm (MsEnvoyCluster *c)
{
  MsSim *sim = ms_cluster_sim (ms_mesh_cluster (c->proxy->mesh));
  if (ms_sim_pending (sim, &c->outlier.tick))
    return;
  MsTime interval = c->outlier.settings->interval;
  MsTime since = ms_sim_now (sim) - c->outlier.created;
  MsTime next = c->outlier.created + (since / interval + 1) * interval;
  c->outlier.tick = ms_sim_schedule_at (sim, next, tick, c);
}

static void
uneject (MsEnvoyCluster *c, MsUpstreamHost *host, MsTime now)
{
  host->outlier.ejected = FALSE;
  host->outlier.consecutive_5xx = 0;
  host->outlier.consecutive_gateway = 0;
  host->outlier.last_unejection = now;
  if (c->outlier.ejections_active > 0)
    c->outlier.ejections_active--;
  if (host->window >= 0)
    ms_mesh_window_close (c->proxy->mesh, host->window, now);
  host->window = -1;
}

static void
tick (MsSim *sim, gpointer data)
{
  MsEnvoyCluster *c = data;
  const MsOutlierSettings *st = c->outlier.settings;
  MsTime now = ms_sim_now (sim);
  gboolean again = FALSE;
  for (guint i = 0; i < c->known->len; i++)
    {
      MsUpstreamHost *host = c->known->pdata[i];
      MsOutlierHost *o = &host->outlier;
      if (o->ejected)
        {
          MsTime length = MIN (st->base_ejection * (MsTime) o->backoff, st->max_ejection);
          if (length <= now - o->last_ejection)
            uneject (c, host, now);
        }
      else if (o->backoff > 0 && o->last_unejection >= 0
               && now - o->last_unejection >= st->interval)
        o->backoff--;
      if (o->ejected || o->backoff > 0)
        again = TRUE;
    }
  if (again)
    arm (c);
}

static void
try_eject (MsEnvoyCluster *c, MsUpstreamHost *host)
{
  const MsOutlierSettings *st = c->outlier.settings;
  guint total = c->hosts->len;
  double percent;
  gboolean allowed;
  if (st->legacy_percent_rule)
    {
      percent = 100.0 * c->outlier.ejections_active / total;
      allowed = percent < st->max_ejection_percent;
    }
  else
    {
      percent = 100.0 * (c->outlier.ejections_active + 1) / total;
      allowed = percent <= st->max_ejection_percent;
    }
  if (!allowed)
    {
      c->outlier.ejections_overflow++;
      return;
    }
  MsSim *sim = ms_cluster_sim (ms_mesh_cluster (c->proxy->mesh));
  MsTime now = ms_sim_now (sim);
  MsOutlierHost *o = &host->outlier;
  o->ejected = TRUE;
  o->num_ejections++;
  o->last_ejection = now;
  if ((MsTime) o->backoff * st->base_ejection < st->max_ejection + st->base_ejection)
    o->backoff++;
  c->outlier.ejections_active++;
  c->outlier.ejections_enforced_total++;
  host->pod->ejections++;
  host->window = ms_mesh_window_open (c->proxy->mesh, c->proxy, c, host->pod, now);
  arm (c);
}

void
ms_outlier_result (MsEnvoyCluster *c, MsUpstreamHost *host, int status)
{
  const MsOutlierSettings *st = c->outlier.settings;
  if (st == NULL || host->outlier.ejected)
    return;
  MsOutlierHost *o = &host->outlier;
  if (status < 500)
    {
      o->consecutive_5xx = 0;
      o->consecutive_gateway = 0;
      return;
    }
  o->consecutive_5xx++;
  if (status >= 502 && status <= 504)
    o->consecutive_gateway++;
  else
    o->consecutive_gateway = 0;
  if (st->consecutive_5xx > 0 && o->consecutive_5xx == st->consecutive_5xx)
    {
      o->consecutive_5xx = 0;
      try_eject (c, host);
      return;
    }
  if (st->consecutive_gateway > 0 && o->consecutive_gateway == st->consecutive_gateway)
    {
      o->consecutive_gateway = 0;
      try_eject (c, host);
    }
}
