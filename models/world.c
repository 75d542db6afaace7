/* models/world.c - building and running a scenario.
 *
 * The order of building is the order of dependence: Deployments and
 * Services, then each workload's model (parse, then bind once every name
 * exists), then pods' apps and endpoints, then the clients (the ingress and
 * "outside"), then traffic, faults and timeline, whose targets must all
 * exist by then.  Every array is walked in scenario order, so nothing about
 * the run depends on hash order.
 *
 * Pods get their sidecars from models/mesh once every model is bound.  The
 * ingress is the Istio ingress gateway when a Gateway selects it; without
 * one it is a plain Envoy-like edge that finds the Service named by the
 * Host header (in any namespace), forwards to its endpoints round-robin,
 * answers 404 NR for an unknown host and 503 UF when the connection is
 * refused.
 */
#include "models/world.h"

#include "models/apps/http.h"
#include "models/apps/loadgen.h"
#include "models/apps/model.h"
#include "models/apps/eventstore.h"
#include "models/apps/nginx.h"
#include "models/apps/saga.h"
#include "models/mesh/mesh.h"
#include "models/mesh/security.h"
#include "sim/io/read.h"

#include <string.h>

typedef struct {
  const MsFaultConfig *config;
  GPtrArray *pods;            /* MsPod * */
  MsWorld *world;
} FaultWindow;

typedef struct {
  const MsTimelineConfig *config;
  MsDeployment *deployment;
  MsWorld *world;
  GPtrArray *resources;       /* apply/delete: the Istio resources from then on */
} TimelineStep;

struct _MsWorld {
  const MsScenario *scenario;
  MsSim *sim;
  MsCluster *cluster;
  MsMesh *mesh;
  MsTelemetry *telemetry;
  MsTime duration;
  MsPod *ingress;
  MsPod *outside;
  GPtrArray *loadgens;        /* MsLoadgen * */
  GPtrArray *faults;          /* FaultWindow * */
  GPtrArray *steps;           /* TimelineStep * */
  GPtrArray *applied;         /* MsIstioConfig *, owned: made by timeline apply */
  GPtrArray *live;            /* MsScenario *, owned: serve mode's changes */
  GPtrArray *live_resources;  /* the Istio resources in force now */
  GPtrArray *warnings;        /* char * */
  guint idle_loadgens;
  gboolean draining;
  gboolean done;
  MsTime ended_at;
};

static void
fault_window_free (gpointer data)
{
  FaultWindow *f = data;
  g_ptr_array_unref (f->pods);
  g_free (f);
}

void
ms_world_free (MsWorld *w)
{
  if (w == NULL)
    return;
  g_clear_pointer (&w->loadgens, g_ptr_array_unref);
  g_clear_pointer (&w->faults, g_ptr_array_unref);
  g_clear_pointer (&w->steps, g_ptr_array_unref);
  g_clear_pointer (&w->applied, g_ptr_array_unref);
  g_clear_pointer (&w->live_resources, g_ptr_array_unref);
  g_clear_pointer (&w->live, g_ptr_array_unref);
  g_clear_pointer (&w->warnings, g_ptr_array_unref);
  g_clear_pointer (&w->mesh, ms_mesh_free);
  g_clear_pointer (&w->telemetry, ms_telemetry_free);
  g_clear_pointer (&w->cluster, ms_cluster_free);
  g_clear_pointer (&w->sim, ms_sim_free);
  g_free (w);
}

MsSim *
ms_world_sim (const MsWorld *w)
{
  return w->sim;
}

MsCluster *
ms_world_cluster (const MsWorld *w)
{
  return w->cluster;
}

const GPtrArray *
ms_world_warnings (const MsWorld *w)
{
  return w->warnings;
}

/* Names of all Deployments, for suggestions.  (transfer container) */
static GPtrArray *
deployment_names (MsCluster *c)
{
  const GPtrArray *deployments = ms_cluster_deployments (c);
  GPtrArray *names = g_ptr_array_new ();
  for (guint i = 0; i < deployments->len; i++)
    g_ptr_array_add (names, ((MsDeployment *) deployments->pdata[i])->name);
  g_ptr_array_add (names, NULL);
  return names;
}

static MsDeployment *
find_deployment (MsWorld *w, const char *name, const MsNode *node, const char *what,
                 GError **error)
{
  MsDeployment *d = ms_cluster_find_deployment (w->cluster, name);
  if (d != NULL)
    return d;
  g_autoptr (GPtrArray) names = deployment_names (w->cluster);
  const char *guess = ms_read_suggest (name, (const char *const *) names->pdata);
  if (guess != NULL)
    ms_read_fail (error, node, MS_SCENARIO_ERROR_REFERENCE,
                  "%s \"%s\" is not a Deployment; did you mean \"%s\"?", what, name, guess);
  else
    ms_read_fail (error, node, MS_SCENARIO_ERROR_REFERENCE,
                  "%s \"%s\" is not a Deployment in this scenario (%u are defined)", what, name,
                  names->len - 1);
  return NULL;
}

/* Report names: the plain name, or namespace/name when it repeats. */
static void
name_for_report (MsWorld *w)
{
  const GPtrArray *deployments = ms_cluster_deployments (w->cluster);
  for (guint i = 0; i < deployments->len; i++)
    for (guint j = 0; j < deployments->len; j++)
      {
        MsDeployment *a = deployments->pdata[i], *b = deployments->pdata[j];
        if (i != j && g_str_equal (a->name, b->name))
          {
            g_free (a->report_name);
            a->report_name = g_strdup_printf ("%s/%s", a->namespace_, a->name);
          }
      }
  const GPtrArray *services = ms_cluster_services (w->cluster);
  for (guint i = 0; i < services->len; i++)
    for (guint j = 0; j < services->len; j++)
      {
        MsService *a = services->pdata[i], *b = services->pdata[j];
        if (i != j && g_str_equal (a->name, b->name))
          {
            g_free (a->report_name);
            a->report_name = g_strdup_printf ("%s.%s", a->name, a->namespace_);
          }
      }
}

static gboolean
build_cluster (MsWorld *w, GError **error)
{
  const MsScenario *s = w->scenario;
  for (guint i = 0; i < s->deployments->len; i++)
    {
      const MsDeploymentConfig *d = s->deployments->pdata[i];
      MsDeployment *dep = ms_cluster_add_deployment (w->cluster, d->namespace_, d->name,
                                                     &d->labels, d->replicas);
      /* SCENARIO.md: every pod has a sidecar unless its namespace has
       * istio-injection: disabled or its template opts out. */
      dep->sidecar = d->sidecar;
      dep->service_account = g_strdup (d->service_account);
      for (guint n = 0; n < s->namespaces->len; n++)
        {
          const MsNamespaceConfig *ns = s->namespaces->pdata[n];
          const char *injection = ms_labels_get (&ns->labels, "istio-injection");
          if (g_str_equal (ns->name, d->namespace_) && injection != NULL
              && g_str_equal (injection, "disabled"))
            dep->sidecar = FALSE;
        }
    }
  for (guint i = 0; i < s->services->len; i++)
    {
      const MsServiceConfig *sc = s->services->pdata[i];
      MsService *service = ms_cluster_add_service (w->cluster, sc->namespace_, sc->name,
                                                   &sc->selector);
      for (guint p = 0; p < sc->ports->len; p++)
        {
          const MsServicePort *port = &g_array_index (sc->ports, MsServicePort, p);
          ms_service_add_port (service, port->port, port->target_port, port->name);
        }
      /* A Service that selects no Deployment can never answer: in a
       * scenario that is a mistake, not a plan. */
      gboolean selects = FALSE;
      for (guint d = 0; d < s->deployments->len && !selects; d++)
        {
          const MsDeploymentConfig *dc = s->deployments->pdata[d];
          selects = dc->namespace_ == sc->namespace_ && ms_labels_match (&dc->labels, &sc->selector);
        }
      if (!selects && sc->selector.n == 0)
        return ms_read_fail (error, sc->node, MS_SCENARIO_ERROR_MISSING,
                             "Service %s has no selector, so it gets no pods; add "
                             "spec.selector, e.g. {app: %s}", sc->name, sc->name);
      if (!selects)
        {
          g_autoptr (GString) labels = g_string_new (NULL);
          for (guint l = 0; l < sc->selector.n; l++)
            g_string_append_printf (labels, "%s%s=%s", l ? "," : "", sc->selector.keys[l],
                                    sc->selector.values[l]);
          return ms_read_fail (error, sc->node, MS_SCENARIO_ERROR_REFERENCE,
                               "Service %s selects {%s} but no Deployment in namespace %s has "
                               "pods with those labels, so it has no pods",
                               sc->name, labels->str, sc->namespace_);
        }
    }
  name_for_report (w);
  return TRUE;
}

static void
setup_pod (MsPod *pod, gpointer data)
{
  MsWorld *w = data;
  MsModel *model = pod->deployment->model;
  pod->app = model->klass->new_app (model, pod);
  if (pod->deployment->sidecar)
    ms_mesh_add_sidecar (w->mesh, pod);
}

/* The nginx configuration a Deployment's pods mount, or NULL; *where gets
 * the ConfigMap's node. */
static const char *
nginx_config (MsWorld *w, MsDeployment *d, const MsNode **where)
{
  const MsScenario *s = w->scenario;
  for (guint i = 0; i < s->deployments->len; i++)
    {
      const MsDeploymentConfig *dc = s->deployments->pdata[i];
      if (!g_str_equal (dc->name, d->name) || dc->namespace_ != d->namespace_)
        continue;
      for (guint k = 0; k < dc->config_maps->len; k++)
        for (guint c = 0; c < s->config_maps->len; c++)
          {
            const MsConfigMapConfig *cm = s->config_maps->pdata[c];
            if (cm->namespace_ != d->namespace_ || !g_str_equal (cm->name, dc->config_maps->pdata[k]))
              continue;
            for (guint v = 0; v < cm->data.n; v++)
              if (ms_nginx_config_looks_like_server (cm->data.values[v]))
                {
                  if (where != NULL)
                    *where = cm->node;
                  return cm->data.values[v];
                }
          }
    }
  return NULL;
}

static MsModel *
nginx_from_config_maps (MsWorld *w, MsDeployment *d, const MsNode *entry, GError **error)
{
  const MsNode *where = entry;
  const char *config = nginx_config (w, d, &where);
  if (config == NULL)
    {
      ms_read_fail (error, entry, MS_SCENARIO_ERROR_REFERENCE,
                    "model \"nginx\" needs a mounted ConfigMap with an nginx server block; "
                    "Deployment %s mounts none", d->name);
      return NULL;
    }
  return ms_nginx_model_new (config, where, w->warnings, error);
}

static gboolean
build_models (MsWorld *w, GError **error)
{
  const MsNode *workloads = w->scenario->workloads;
  for (guint i = 0; workloads != NULL && i < workloads->children->len; i++)
    {
      const MsNode *entry = workloads->children->pdata[i];
      MsDeployment *d = find_deployment (w, entry->key, entry, "workload", error);
      if (d == NULL)
        return FALSE;
      if (d->model != NULL)
        return ms_read_fail (error, entry, MS_SCENARIO_ERROR_VALUE,
                             "Deployment %s has two workload entries", d->name);
      const char *name = "http";
      if (!ms_read_expect (entry, MS_NODE_OBJECT, error)
          || !ms_read_string (entry, "model", FALSE, &name, error))
        return FALSE;
      if (g_str_equal (name, "nginx"))
        {
          static const char *const fields[] = { "model", NULL };
          if (!ms_read_object (entry, fields, error))
            return FALSE;
          d->model = nginx_from_config_maps (w, d, entry, error);
          if (d->model == NULL)
            return FALSE;
          continue;
        }
      const MsModelClass *klass = ms_model_lookup (name);
      if (klass == NULL)
        {
          const MsNode *node = ms_node_get (entry, "model");
          if (ms_model_is_planned (name))
            return ms_read_fail (error, node, MS_SCENARIO_ERROR_UNSUPPORTED,
                                 "model \"%s\" is not available in this version of meshsim yet; "
                                 "use \"http\" meanwhile", name);
          const char *guess = ms_read_suggest (name, ms_model_names ());
          return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                               "unknown model \"%s\"%s%s%s", name,
                               guess ? ", did you mean \"" : "", guess ? guess : "",
                               guess ? "\"?" : "");
        }
      MsModel *model = klass->parse (entry, error);
      if (model == NULL)
        return FALSE;
      d->model = model;
    }
  const GPtrArray *deployments = ms_cluster_deployments (w->cluster);
  for (guint i = 0; i < deployments->len; i++)
    {
      MsDeployment *d = deployments->pdata[i];
      /* No entry: the nginx stub if the pods mount an nginx config (the
       * lab's manifests), else http answering 200. */
      if (d->model == NULL && nginx_config (w, d, NULL) != NULL)
        d->model = nginx_from_config_maps (w, d, NULL, error);
      if (d->model == NULL && (error == NULL || *error == NULL))
        d->model = ms_http_model_class.parse (NULL, error);
      if (d->model == NULL)
        return FALSE;
    }
  for (guint i = 0; i < deployments->len; i++)
    {
      MsDeployment *d = deployments->pdata[i];
      MsModel *model = d->model;
      if (model->klass->bind != NULL && !model->klass->bind (model, w->cluster, d, error))
        return FALSE;
    }
  if (!ms_http_check_cycles (w->cluster, error))
    return FALSE;
  w->mesh = ms_mesh_new (w->scenario, w->cluster, error);
  if (w->mesh == NULL)
    return FALSE;
  const GPtrArray *mesh_warnings = ms_mesh_istio (w->mesh)->warnings;
  for (guint i = 0; i < mesh_warnings->len; i++)
    g_ptr_array_add (w->warnings, g_strdup (mesh_warnings->pdata[i]));
  for (guint i = 0; i < deployments->len; i++)
    {
      MsDeployment *d = deployments->pdata[i];
      for (guint p = 0; p < d->pods->len; p++)
        setup_pod (d->pods->pdata[p], w);
    }
  ms_cluster_set_pod_setup (w->cluster, setup_pod, w);
  ms_cluster_update_endpoints (w->cluster);
  return TRUE;
}

/* The ingress edge (see the file comment). */

static void
ingress_reply (MsExchange *upstream, gpointer data)
{
  MsExchange *client = data;
  if (upstream->status == 0)
    ms_exchange_finish (client, 503, MS_FLAG_UF, MS_RESET_NONE, NULL);
  else
    {
      client->upstream = upstream->upstream;
      ms_exchange_finish (client, upstream->status, upstream->flags, MS_RESET_NONE,
                          upstream->body);
    }
  ms_exchange_unref (client);
  ms_exchange_unref (upstream);
}

static void
ingress_no_route (MsSim *sim, gpointer data)
{
  (void) sim;
  MsExchange *client = data;
  ms_exchange_finish (client, client->app_status, client->flags, MS_RESET_NONE, NULL);
  ms_exchange_unref (client);
}

static MsService *
ingress_find_service (MsCluster *c, const char *host)
{
  MsService *service = ms_cluster_resolve (c, host, NULL);
  if (service != NULL)
    return service;
  const GPtrArray *services = ms_cluster_services (c);
  for (guint i = 0; i < services->len; i++)
    if (g_str_equal (((MsService *) services->pdata[i])->name, host))
      return services->pdata[i];
  return NULL;
}

static void
ingress_outbound (MsPod *pod, MsExchange *ex, gpointer data)
{
  (void) data;
  MsCluster *c = pod->cluster;
  MsService *service = ingress_find_service (c, ex->request->host);
  if (service == NULL || service->endpoints->len == 0)
    {
      /* Envoy answers locally: 404 NR with no route, 503 UH with no
       * endpoint. */
      ex->app_status = service == NULL ? 404 : 503;
      ex->flags = service == NULL ? MS_FLAG_NR : MS_FLAG_UH;
      ms_sim_schedule (ms_cluster_sim (c), 0, ingress_no_route, ms_exchange_ref (ex));
      return;
    }
  MsPod *target = service->endpoints->pdata[service->next_endpoint];
  if (++service->next_endpoint >= service->endpoints->len)
    service->next_endpoint = 0;
  MsExchange *upstream = ms_exchange_new (ms_cluster_pool (c), ex->request, pod,
                                          ms_sim_now (ms_cluster_sim (c)), ingress_reply,
                                          ms_exchange_ref (ex));
  ms_cluster_connect (pod, target, service, upstream);
}

/* Traffic. */

static void
loadgen_idle (MsLoadgen *lg, gpointer data)
{
  (void) lg;
  MsWorld *w = data;
  w->idle_loadgens++;
  if (w->idle_loadgens == w->loadgens->len && (w->duration < 0 || w->draining))
    {
      w->done = TRUE;
      ms_sim_stop (w->sim);
    }
}

static gboolean
build_traffic (MsWorld *w, GError **error)
{
  const MsScenario *s = w->scenario;
  for (guint i = 0; i < s->traffic->len; i++)
    {
      const MsTrafficConfig *t = s->traffic->pdata[i];
      MsPod *source;
      const MsNode *url = ms_node_get (ms_node_get (t->node, "request"), "url");
      int port = 0;
      if (g_str_equal (t->from, "ingress"))
        source = w->ingress;
      else
        {
          const char *ns = NULL;
          if (g_str_equal (t->from, "outside"))
            source = w->outside;
          else
            {
              const MsNode *from = ms_node_get (t->node, "from");
              MsDeployment *d = find_deployment (w, t->from, from, "traffic source", error);
              if (d == NULL)
                return FALSE;
              if (d->pods->len == 0)
                return ms_read_fail (error, from, MS_SCENARIO_ERROR_VALUE,
                                     "Deployment %s has 0 replicas, so no pod can send this "
                                     "traffic", d->name);
              source = d->pods->pdata[0];
              ns = d->namespace_;
            }
          if (ms_cluster_check_url (w->cluster, &t->url, ns, url, &port, error) == NULL)
            return FALSE;
        }
      g_ptr_array_add (w->loadgens,
                       ms_loadgen_new (w->cluster, t, source, w->duration, loadgen_idle, w));
    }
  return TRUE;
}

/* Faults. */

static void
fault_begin (MsSim *sim, gpointer data)
{
  (void) sim;
  FaultWindow *f = data;
  for (guint i = 0; i < f->pods->len; i++)
    ms_pod_add_fault (f->pods->pdata[i], &f->config->fault);
}

static void
fault_end (MsSim *sim, gpointer data)
{
  (void) sim;
  FaultWindow *f = data;
  for (guint i = 0; i < f->pods->len; i++)
    ms_pod_remove_fault (f->pods->pdata[i], &f->config->fault);
}

static void
add_deployment_pods (GPtrArray *pods, MsDeployment *d)
{
  for (guint p = 0; p < d->pods->len; p++)
    g_ptr_array_add (pods, d->pods->pdata[p]);
}

/* Resolves a fault's target and schedules its window, offset from start. */
static gboolean
add_fault (MsWorld *w, const MsFaultConfig *config, MsTime start, GError **error)
{
  {
    {
      FaultWindow *f = g_new0 (FaultWindow, 1);
      f->config = config;
      f->world = w;
      f->pods = g_ptr_array_new ();
      g_ptr_array_add (w->faults, f);

      /* A pod name, then a Deployment, then a Service: the most specific
       * reading wins. */
      MsPod *pod = ms_cluster_find_pod (w->cluster, config->target);
      MsDeployment *d = ms_cluster_find_deployment (w->cluster, config->target);
      MsService *service = ms_cluster_find_service (w->cluster, config->target);
      if (pod != NULL && pod->deployment != NULL)
        g_ptr_array_add (f->pods, pod);
      else if (d != NULL)
        add_deployment_pods (f->pods, d);
      else if (service != NULL)
        {
          const GPtrArray *deployments = ms_cluster_deployments (w->cluster);
          for (guint k = 0; k < deployments->len; k++)
            {
              MsDeployment *dep = deployments->pdata[k];
              if (dep->namespace_ == service->namespace_
                  && ms_labels_match (&dep->labels, &service->selector))
                add_deployment_pods (f->pods, dep);
            }
        }
      else
        {
          g_autoptr (GPtrArray) names = deployment_names (w->cluster);
          const char *guess = ms_read_suggest (config->target, (const char *const *) names->pdata);
          return ms_read_fail (error, ms_node_get (config->node, "target"),
                               MS_SCENARIO_ERROR_REFERENCE,
                               "fault target \"%s\" is not a pod, Deployment or Service%s%s%s",
                               config->target, guess ? "; did you mean \"" : "",
                               guess ? guess : "", guess ? "\"?" : "");
        }
      ms_sim_schedule_at (w->sim, start + config->at, fault_begin, f);
      if (config->length > 0)
        ms_sim_schedule_at (w->sim, start + config->at + config->length, fault_end, f);
    }
  }
  return TRUE;
}

static gboolean
build_faults (MsWorld *w, GError **error)
{
  const MsScenario *s = w->scenario;
  for (guint i = 0; i < s->faults->len; i++)
    if (!add_fault (w, s->faults->pdata[i], 0, error))
      return FALSE;
  return TRUE;
}

static GPtrArray *timeline_resources (MsWorld *w, const GPtrArray *before,
                                      const MsTimelineConfig *config, GError **error);

/* Serve mode's live changes.  What they read is kept in scenarios of their
 * own (w->live), since configs point into their documents. */

static MsScenario *
live_scenario (MsWorld *w, const char *text, gsize length, const char *format,
               const char *name, GError **error)
{
  g_autoptr (MsScenario) s = ms_scenario_load_data (text, (gssize) length, format, name, ".",
                                                    error);
  if (s == NULL)
    return NULL;
  g_ptr_array_add (w->live, s);
  return g_steal_pointer (&s);
}

gboolean
ms_world_inject_fault (MsWorld *w, const char *text, gsize length, GError **error)
{
  g_autofree char *wrapped = g_strdup_printf ("{\"faults\": [%.*s]}", (int) length, text);
  MsScenario *s = live_scenario (w, wrapped, strlen (wrapped), "json", "fault", error);
  if (s == NULL)
    return FALSE;
  return add_fault (w, s->faults->pdata[0], ms_sim_now (w->sim), error);
}

gboolean
ms_world_change (MsWorld *w, const char *text, gsize length, gboolean delete_, GError **error)
{
  /* A document read on its own, then checked as a resource. */
  MsScenario *s = live_scenario (w, "{}", 2, "json", delete_ ? "delete" : "apply", error);
  if (s == NULL)
    return FALSE;
  g_autoptr (GPtrArray) docs = NULL;
  const char *p = text;
  while (p < text + length && g_ascii_isspace (*p))
    p++;
  if (*p == '{')
    {
      MsNode *root = ms_node_parse_json (text, (gssize) length, "request body", error);
      if (root == NULL)
        return FALSE;
      docs = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_node_free);
      g_ptr_array_add (docs, root);
    }
  else if ((docs = ms_node_parse_yaml (text, (gssize) length, "request body", error)) == NULL)
    return FALSE;
  if (docs->len != 1)
    {
      g_set_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_VALUE,
                   "send one resource at a time (found %u documents)", docs->len);
      return FALSE;
    }
  g_ptr_array_set_free_func (docs, NULL);
  MsNode *node = docs->pdata[0];
  g_ptr_array_add (s->documents, node);
  if (delete_)
    {
      static const char *const fields[] = { "kind", "name", "namespace", NULL };
      const char *unused = NULL;
      if (!ms_read_object (node, fields, error) || !ms_read_string (node, "kind", TRUE, &unused, error)
          || !ms_read_string (node, "name", TRUE, &unused, error)
          || !ms_read_string (node, "namespace", FALSE, &unused, error))
        return FALSE;
    }
  else
    {
      if (!ms_scenario_add_resource (s, node, error))
        return FALSE;
      if (s->istio_resources->len != 1)
        {
          g_set_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_UNSUPPORTED,
                       "only Istio resources can be applied to a running mesh");
          return FALSE;
        }
    }
  MsTimelineConfig change = { .kind = delete_ ? MS_TIMELINE_DELETE : MS_TIMELINE_APPLY,
                              .resource = node, .node = node };
  GPtrArray *after = timeline_resources (w, w->live_resources, &change, error);
  if (after == NULL)
    return FALSE;
  gboolean ok = ms_mesh_reconfigure (w->mesh, after, w->scenario->istio, error);
  if (ok)
    {
      g_ptr_array_unref (w->live_resources);
      w->live_resources = after;
    }
  else
    g_ptr_array_unref (after);
  return ok;
}

/* Timeline. */

static void
timeline_scale (MsSim *sim, gpointer data)
{
  (void) sim;
  TimelineStep *step = data;
  ms_deployment_scale (step->world->cluster, step->deployment, step->config->replicas);
}

static void
timeline_reconfigure (MsSim *sim, gpointer data)
{
  (void) sim;
  TimelineStep *step = data;
  g_autoptr (GError) error = NULL;
  /* Checked when the world was built, so this cannot fail. */
  gboolean ok = ms_mesh_reconfigure (step->world->mesh, step->resources,
                                     step->world->scenario->istio, &error);
  g_assert_true (ok);
  MsWorld *w = step->world;
  g_ptr_array_set_size (w->live_resources, 0);
  for (guint i = 0; i < step->resources->len; i++)
    g_ptr_array_add (w->live_resources, step->resources->pdata[i]);
}

static void
timeline_step_free (gpointer data)
{
  TimelineStep *step = data;
  g_clear_pointer (&step->resources, g_ptr_array_unref);
  g_free (step);
}

static void
istio_config_free (gpointer data)
{
  MsIstioConfig *c = data;
  g_free (c->name);
  g_free (c);
}

/* The resources after an apply or delete, as a new list (the resources
 * themselves are shared).  Checked the way the world's own were. */
static GPtrArray *
timeline_resources (MsWorld *w, const GPtrArray *before, const MsTimelineConfig *config,
                    GError **error)
{
  const MsNode *node = config->resource;
  const char *kind = NULL, *name = NULL, *ns = "default";
  const MsNode *metadata = config->kind == MS_TIMELINE_APPLY ? ms_node_get (node, "metadata") : node;
  ms_read_string (node, "kind", TRUE, &kind, NULL);
  ms_read_string (metadata, "name", TRUE, &name, NULL);
  ms_read_string (metadata, "namespace", FALSE, &ns, NULL);
  kind = g_intern_string (kind);
  GPtrArray *after = g_ptr_array_new ();
  gboolean found = FALSE;
  /* The same kind and name in another namespace, for the error below. */
  const char *elsewhere = NULL;
  for (guint i = 0; i < before->len; i++)
    {
      MsIstioConfig *c = before->pdata[i];
      if (c->kind == kind && g_str_equal (c->name, name))
        {
          if (g_str_equal (c->namespace_, ns))
            {
              found = TRUE;
              continue;
            }
          if (elsewhere == NULL)
            elsewhere = c->namespace_;
        }
      g_ptr_array_add (after, c);
    }
  if (config->kind == MS_TIMELINE_DELETE && !found)
    {
      /* The usual slip is the namespace (it defaults to "default", as with
       * kubectl): name the one the resource is in. */
      if (elsewhere != NULL)
        ms_read_fail (error, node, MS_SCENARIO_ERROR_REFERENCE,
                      "nothing to delete: no %s %s/%s exists at that time; there is one in "
                      "namespace %s: add \"namespace\": \"%s\"", kind, ns, name, elsewhere,
                      elsewhere);
      else
        ms_read_fail (error, node, MS_SCENARIO_ERROR_REFERENCE,
                      "nothing to delete: no %s %s/%s exists at that time", kind, ns, name);
      g_ptr_array_unref (after);
      return NULL;
    }
  if (config->kind == MS_TIMELINE_APPLY)
    {
      MsIstioConfig *c = g_new0 (MsIstioConfig, 1);
      c->kind = kind;
      c->name = g_strdup (name);
      c->namespace_ = g_intern_string (ns);
      c->node = node;
      g_ptr_array_add (w->applied, c);
      g_ptr_array_add (after, c);
    }
  /* Whether Istio would take it: build it once, here, and throw it away. */
  g_autoptr (MsIstio) probe = ms_istio_new_from (after, w->scenario->istio, w->cluster, error);
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (MsSecurity) security = probe ? ms_security_new (after, w->cluster, warnings, error)
                                          : NULL;
  if (security == NULL)
    {
      g_ptr_array_unref (after);
      return NULL;
    }
  return after;
}

static gboolean
build_timeline (MsWorld *w, GError **error)
{
  const MsScenario *s = w->scenario;
  /* Apply and delete steps in time order (file order for equal times),
   * each with the resource list it leaves behind. */
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  for (guint i = 0; i < s->timeline->len; i++)
    g_ptr_array_add (order, s->timeline->pdata[i]);
  for (guint i = 1; i < order->len; i++)
    for (guint k = i; k > 0 && ((MsTimelineConfig *) order->pdata[k - 1])->at
                                   > ((MsTimelineConfig *) order->pdata[k])->at; k--)
      {
        gpointer t = order->pdata[k];
        order->pdata[k] = order->pdata[k - 1];
        order->pdata[k - 1] = t;
      }
  g_autoptr (GPtrArray) current = g_ptr_array_new ();
  for (guint i = 0; i < s->istio_resources->len; i++)
    g_ptr_array_add (current, s->istio_resources->pdata[i]);
  for (guint i = 0; i < order->len; i++)
    {
      const MsTimelineConfig *config = order->pdata[i];
      TimelineStep *step = g_new0 (TimelineStep, 1);
      step->config = config;
      step->world = w;
      g_ptr_array_add (w->steps, step);
      if (config->kind != MS_TIMELINE_SCALE)
        {
          step->resources = timeline_resources (w, current, config, error);
          if (step->resources == NULL)
            return FALSE;
          g_ptr_array_set_size (current, 0);
          for (guint k = 0; k < step->resources->len; k++)
            g_ptr_array_add (current, step->resources->pdata[k]);
          ms_sim_schedule_at (w->sim, config->at, timeline_reconfigure, step);
          continue;
        }
      step->deployment = find_deployment (w, config->deployment,
                                          ms_node_get (ms_node_get (config->node, "scale"),
                                                       "deployment"),
                                          "scale target", error);
      if (step->deployment == NULL)
        return FALSE;
      ms_sim_schedule_at (w->sim, config->at, timeline_scale, step);
    }
  return TRUE;
}

/* Something scheduled at or after the end never happens; not an error,
 * because --duration can move the end, but worth saying. */
static void
warn_after_end (MsWorld *w)
{
  if (w->duration < 0)
    return;
  const MsScenario *s = w->scenario;
  const MsNode *late[3] = { NULL, NULL, NULL };
  const char *what[3] = { "traffic starts", "a fault starts", "a timeline change comes" };
  for (guint i = 0; i < s->traffic->len && !late[0]; i++)
    if (((MsTrafficConfig *) s->traffic->pdata[i])->start >= w->duration)
      late[0] = ((MsTrafficConfig *) s->traffic->pdata[i])->node;
  for (guint i = 0; i < s->faults->len && !late[1]; i++)
    if (((MsFaultConfig *) s->faults->pdata[i])->at >= w->duration)
      late[1] = ((MsFaultConfig *) s->faults->pdata[i])->node;
  for (guint i = 0; i < s->timeline->len && !late[2]; i++)
    if (((MsTimelineConfig *) s->timeline->pdata[i])->at >= w->duration)
      late[2] = ((MsTimelineConfig *) s->timeline->pdata[i])->node;
  for (int k = 0; k < 3; k++)
    if (late[k] != NULL)
      {
        g_autofree char *path = ms_node_path (late[k]);
        g_autofree char *end = ms_duration_format (w->duration);
        g_ptr_array_add (w->warnings,
                         g_strdup_printf ("%s:%d:%d: %s: %s at or after the end of the run "
                                          "(%s), so it never happens", late[k]->file,
                                          late[k]->line, late[k]->column, path, what[k], end));
      }
}

MsWorld *
ms_world_new (const MsScenario *scenario, guint64 seed, MsTime duration, GError **error)
{
  g_autoptr (MsWorld) w = g_new0 (MsWorld, 1);
  w->scenario = scenario;
  w->sim = ms_sim_new (seed);
  w->cluster = ms_cluster_new (w->sim);
  w->duration = duration >= 0 ? duration : scenario->duration;
  w->loadgens = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_loadgen_free);
  w->faults = g_ptr_array_new_with_free_func (fault_window_free);
  w->steps = g_ptr_array_new_with_free_func (timeline_step_free);
  w->applied = g_ptr_array_new_with_free_func (istio_config_free);
  w->live = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_scenario_free);
  w->live_resources = g_ptr_array_new ();
  for (guint i = 0; i < scenario->istio_resources->len; i++)
    g_ptr_array_add (w->live_resources, scenario->istio_resources->pdata[i]);
  w->warnings = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < scenario->warnings->len; i++)
    g_ptr_array_add (w->warnings, g_strdup (scenario->warnings->pdata[i]));
  ms_cluster_set_network_latency (w->cluster, &scenario->network_latency);

  if (!build_cluster (w, error) || !build_models (w, error))
    return NULL;
  w->ingress = ms_cluster_add_client (w->cluster, "istio-system", "istio-ingressgateway");
  if (ms_mesh_has_ingress_gateway (w->mesh))
    ms_mesh_add_gateway (w->mesh, w->ingress);
  else
    w->ingress->outbound = ingress_outbound;
  w->outside = ms_cluster_add_client (w->cluster, NULL, "outside");
  if (!build_traffic (w, error) || !build_faults (w, error) || !build_timeline (w, error))
    return NULL;
  warn_after_end (w);
  return g_steal_pointer (&w);
}

gboolean
ms_world_set_outputs (MsWorld *w, const MsTelemetryOutputs *outputs, GError **error)
{
  g_clear_pointer (&w->telemetry, ms_telemetry_free);
  g_autoptr (GError) local = NULL;
  w->telemetry = ms_telemetry_new (outputs, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  ms_mesh_set_telemetry (w->mesh, w->telemetry);
  ms_cluster_set_tracer (w->cluster, ms_telemetry_tracer (w->telemetry, ms_sim_seed (w->sim)));
  return TRUE;
}

void
ms_world_report_timeline (const MsWorld *w, MsReport *report)
{
  MsReportNode *root = ms_report_root (report);
  if (w->telemetry != NULL)
    ms_telemetry_report_series (w->telemetry, root);
  MsReportNode *windows = ms_report_array (root, "windows");
  const GPtrArray *services = ms_cluster_services (w->cluster);
  for (guint i = 0; i < w->faults->len; i++)
    {
      const FaultWindow *f = w->faults->pdata[i];
      /* Shaded on every Service one of its pods is behind. */
      for (guint k = 0; k < services->len; k++)
        {
          const MsService *s = services->pdata[k];
          gboolean hit = FALSE;
          for (guint p = 0; p < f->pods->len && !hit; p++)
            {
              const MsPod *pod = f->pods->pdata[p];
              hit = pod->namespace_ == s->namespace_ && pod->labels != NULL
                    && ms_labels_match (pod->labels, &s->selector);
            }
          if (!hit)
            continue;
          MsReportNode *node = ms_report_append_object (windows);
          ms_report_set_string (node, "kind", "fault");
          ms_report_set_string (node, "service", s->report_name);
          ms_report_set_double (node, "from_s", (double) f->config->at / 1e6);
          ms_report_set_double (node, "to_s", f->config->length > 0
                                  ? (double) (f->config->at + f->config->length) / 1e6 : 0);
        }
    }
  const MsReportNode *ejections = ms_report_find (report, "ejections");
  for (guint i = 0; i < ms_report_n_children (ejections); i++)
    {
      const MsReportNode *e = ms_report_child (ejections, i, NULL);
      /* outbound|port|subset|name.namespace.svc.cluster.local -> name */
      const char *cluster = ms_report_get_string (e, "cluster");
      const char *fqdn = cluster ? strrchr (cluster, '|') : NULL;
      if (fqdn == NULL)
        continue;
      g_autofree char *name = g_strndup (fqdn + 1, strcspn (fqdn + 1, "."));
      MsReportNode *node = ms_report_append_object (windows);
      ms_report_set_string (node, "kind", "ejection");
      ms_report_set_string (node, "service", name);
      ms_report_set_double (node, "from_s", ms_report_get_double (e, "from_s"));
      ms_report_set_double (node, "to_s", ms_report_get_double (e, "to_s"));
    }
}

MsEventLog *
ms_world_event_log (const MsWorld *w)
{
  const GPtrArray *deployments = ms_cluster_deployments (w->cluster);
  for (guint i = 0; i < deployments->len; i++)
    {
      MsModel *model = ((MsDeployment *) deployments->pdata[i])->model;
      if (model != NULL && model->klass == &ms_event_store_model_class)
        return ms_event_store_log (model);
    }
  return NULL;
}

gboolean
ms_world_load_events (MsWorld *w, const char *text, GError **error)
{
  MsEventLog *log = ms_world_event_log (w);
  if (log == NULL)
    {
      g_set_error_literal (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_VALUE,
                           "the scenario has no event-store workload to load it into");
      return FALSE;
    }
  if (!ms_event_log_read_jsonl (log, text, error))
    return FALSE;
  const GPtrArray *deployments = ms_cluster_deployments (w->cluster);
  for (guint i = 0; i < deployments->len; i++)
    {
      MsModel *model = ((MsDeployment *) deployments->pdata[i])->model;
      if (model != NULL && model->klass->resume != NULL)
        model->klass->resume (model, log);
    }
  return TRUE;
}

MsTelemetry *
ms_world_telemetry (const MsWorld *w)
{
  return w->telemetry;
}

gboolean
ms_world_write_outputs (MsWorld *w, GError **error)
{
  return w->telemetry == NULL || ms_telemetry_write (w->telemetry, w->ended_at, error);
}

void
ms_world_start (MsWorld *w)
{
  for (guint i = 0; i < w->loadgens->len; i++)
    ms_loadgen_start (w->loadgens->pdata[i]);
}

void
ms_world_mark_end (MsWorld *w)
{
  w->ended_at = ms_sim_now (w->sim);
}

MsPod *
ms_world_source (MsWorld *w, const char *from, GError **error)
{
  if (g_str_equal (from, "ingress"))
    return w->ingress;
  if (g_str_equal (from, "outside"))
    return w->outside;
  g_autoptr (GError) missing = NULL;
  MsDeployment *d = find_deployment (w, from, NULL, "source", &missing);
  if (d == NULL)
    {
      g_set_error (error, missing->domain, missing->code,
                   "%s; a source can also be \"ingress\" (through the ingress gateway) or "
                   "\"outside\" (no sidecar)", missing->message);
      return NULL;
    }
  for (guint i = 0; i < d->pods->len; i++)
    if (!((MsPod *) d->pods->pdata[i])->terminating)
      return d->pods->pdata[i];
  g_set_error (error, MS_SCENARIO_ERROR, MS_SCENARIO_ERROR_VALUE,
               "Deployment %s has no running pod to send from", d->name);
  return NULL;
}

void
ms_world_run (MsWorld *w, MsWorldProgress progress, gpointer data)
{
  for (guint i = 0; i < w->loadgens->len; i++)
    ms_loadgen_start (w->loadgens->pdata[i]);
  if (w->loadgens->len == 0 && w->duration < 0)
    return;

  MsTime end = w->duration >= 0 ? w->duration : MS_WORLD_MAX_TIME;
  /* Slices keep the progress line alive on long runs; their size does not
   * change what runs when. */
  MsTime slice = MAX (end / 200, MS_MSEC (100));
  while (!w->done && ms_sim_now (w->sim) < end)
    {
      MsTime next = MIN (ms_sim_now (w->sim) + slice, end);
      ms_sim_run_until (w->sim, next);
      if (progress != NULL)
        progress (ms_sim_now (w->sim), w->duration, data);
      if (ms_sim_next_time (w->sim) == MS_TIME_NEVER)
        break;
    }
  w->ended_at = ms_sim_now (w->sim);
  if (w->done || w->duration < 0)
    return;

  /* The duration is over: no new requests, and what is in flight gets
   * MS_WORLD_DRAIN to finish. */
  w->draining = TRUE;
  for (guint i = 0; i < w->loadgens->len; i++)
    ms_loadgen_stop (w->loadgens->pdata[i]);
  if (!w->done && w->idle_loadgens < w->loadgens->len)
    ms_sim_run_until (w->sim, end + MS_WORLD_DRAIN);
  w->ended_at = ms_sim_now (w->sim);
}

static void
report_services (const MsWorld *w, MsReportNode *root)
{
  MsReportNode *services = ms_report_object (root, "services");
  const GPtrArray *list = ms_cluster_services (w->cluster);
  const GPtrArray *deployments = ms_cluster_deployments (w->cluster);
  for (guint i = 0; i < list->len; i++)
    {
      MsService *s = list->pdata[i];
      MsReportNode *node = ms_report_object (services, s->report_name);
      ms_report_set_int (node, "requests", (gint64) s->requests);
      /* Work still under way when the run stopped (a call its app gave up
       * on, a mirrored copy): received, not yet answered. */
      guint64 answered = 0;
      for (int code = 0; code < MS_STATUS_MAX; code++)
        answered += s->status[code];
      ms_report_set_int (node, "in_flight", (gint64) (s->requests - MIN (answered, s->requests)));
      MsReportNode *status = ms_report_object (node, "status");
      for (int code = 0; code < MS_STATUS_MAX; code++)
        if (s->status[code] > 0)
          {
            char key[8];
            g_snprintf (key, sizeof key, "%d", code);
            ms_report_set_int (status, key, (gint64) s->status[code]);
          }
      MsReportNode *versions = ms_report_object (node, "versions");
      MsReportNode *pods = ms_report_object (node, "pods");
      for (guint d = 0; d < deployments->len; d++)
        {
          MsDeployment *dep = deployments->pdata[d];
          if (dep->namespace_ != s->namespace_ || !ms_labels_match (&dep->labels, &s->selector))
            continue;
          for (guint p = 0; p < dep->pods->len; p++)
            {
              MsPod *pod = dep->pods->pdata[p];
              ms_report_add_int (ms_report_object (versions, pod->version), "requests",
                                 (gint64) pod->requests);
              MsReportNode *pn = ms_report_object (pods, pod->name);
              ms_report_set_int (pn, "requests", (gint64) pod->requests);
              ms_report_set_int (pn, "ejections", (gint64) pod->ejections);
            }
        }
    }
}

/* A model's end-of-run check, recorded as workloads.<d>.consistent and as
 * an entry of the report's "expect" array in the shape sim/io/expect.c
 * writes, so that a failure prints and fails the run like a failed
 * expectation. */
static void
verify_model (MsReport *report, MsDeployment *d, MsReportNode *node)
{
  MsModel *model = d->model;
  g_autoptr (GString) problems = g_string_new (NULL);
  gboolean ok = model->klass->verify (model, problems);
  ms_report_set_bool (node, "consistent", ok);
  MsReportNode *check = ms_report_append_object (ms_report_array (ms_report_root (report),
                                                                  "expect"));
  g_autofree char *name = g_strdup_printf ("%s %s%s%s", d->report_name, model->klass->verified,
                                           ok ? "" : ": ", problems->str);
  g_autofree char *path = g_strdup_printf ("workloads.%s.consistent", d->report_name);
  ms_report_set_string (check, "name", g_strchomp (name));
  ms_report_set_string (check, "path", path);
  ms_report_set_double (check, "value", ok ? 1 : 0);
  ms_report_set_string (check, "expected", "equal to 1");
  ms_report_set_bool (check, "ok", ok);
}

MsReport *
ms_world_report (const MsWorld *w, gint64 wall_ms)
{
  MsReport *report = ms_report_new ();
  MsReportNode *root = ms_report_root (report);
  ms_report_set_string (root, "scenario", w->scenario->name);
  ms_report_set_int (root, "seed", (gint64) ms_sim_seed (w->sim));
  ms_report_set_int (root, "duration_ms", w->ended_at / 1000);
  ms_report_set_string (root, "istio", w->scenario->istio);

  MsReportNode *traffic = ms_report_object (root, "traffic");
  for (guint i = 0; i < w->loadgens->len; i++)
    ms_loadgen_report (w->loadgens->pdata[i], traffic);

  report_services (w, root);
  ms_mesh_report (w->mesh, root);

  MsReportNode *workloads = ms_report_object (root, "workloads");
  const GPtrArray *deployments = ms_cluster_deployments (w->cluster);
  for (guint i = 0; i < deployments->len; i++)
    {
      MsDeployment *d = deployments->pdata[i];
      MsModel *model = d->model;
      MsReportNode *node = ms_report_object (workloads, d->report_name);
      ms_report_set_int (node, "replicas", d->replicas);
      if (model->klass->report != NULL)
        model->klass->report (model, report, node);
      if (model->klass->verify != NULL)
        verify_model (report, d, node);
    }

  /* Summed over every saga-orchestrator Deployment; zeros without one, so
   * that expectations and scripts can rely on the keys. */
  MsSagaCounts counts = { 0 };
  for (guint i = 0; i < deployments->len; i++)
    ms_saga_orchestrator_counts (((MsDeployment *) deployments->pdata[i])->model, &counts);
  MsReportNode *sagas = ms_report_object (root, "sagas");
  ms_report_set_int (sagas, "started", (gint64) counts.started);
  ms_report_set_int (sagas, "completed", (gint64) counts.completed);
  ms_report_set_int (sagas, "compensated", (gint64) counts.compensated);
  ms_report_set_int (sagas, "failed", (gint64) counts.failed);

  MsReportNode *sim = ms_report_object (root, "sim");
  ms_report_set_int (sim, "events", (gint64) ms_sim_events (w->sim));
  ms_report_set_int (sim, "wall_ms", wall_ms < 0 ? 0 : wall_ms);

  if (w->warnings->len > 0)
    {
      MsReportNode *warnings = ms_report_array (root, "warnings");
      for (guint i = 0; i < w->warnings->len; i++)
        ms_report_set_string (ms_report_append_object (warnings), "message",
                              w->warnings->pdata[i]);
    }
  return report;
}

gboolean
ms_world_explain (MsWorld *w, const char *from, const char *method, const char *url,
                  const MsLabels *headers, GString *out, GError **error)
{
  /* The URL goes through the scenario's own reader, so it gets the same
   * checks and messages as a traffic source's. */
  g_autofree char *json = g_strdup_printf ("{\"url\": \"%s\"}", url);
  g_autoptr (MsNode) node = ms_node_parse_json (json, -1, "--url", error);
  if (node == NULL)
    return FALSE;
  MsUrl parsed = { 0 };
  if (!ms_read_url (node, "url", TRUE, &parsed, error))
    return FALSE;
  MsPod *pod = ms_world_source (w, from, error);
  if (pod == NULL)
    return FALSE;
  g_autoptr (MsRequest) request = ms_request_new (ms_cluster_pool (w->cluster));
  request->method = g_intern_string (method);
  request->host = parsed.host;
  request->port = parsed.port ? parsed.port : 80;
  request->path = parsed.path;
  for (guint i = 0; headers != NULL && i < headers->n; i++)
    ms_request_set_header (request, headers->keys[i], headers->values[i]);
  g_string_append_printf (out, "Request: %s http://%s:%d%s from %s%s%s\n", request->method,
                          request->host, request->port, request->path,
                          pod->namespace_ ? pod->namespace_ : "", pod->namespace_ ? "/" : "",
                          pod->name);
  for (guint i = 0; i < request->n_headers; i++)
    g_string_append_printf (out, "  %s: %s\n", request->headers[i].name, request->headers[i].value);
  if (ms_mesh_explain (w->mesh, pod, request, out))
    return TRUE;
  if (pod == w->ingress)
    {
      g_string_append (out, "No Gateway selects istio: ingressgateway: the edge forwards by "
                            "Host header to the Service of that name, round-robin\n");
      return TRUE;
    }
  MsService *service = ms_cluster_resolve (w->cluster, request->host, pod->namespace_);
  g_string_append_printf (out, "%s has no sidecar: the app connects directly; ", pod->name);
  if (service == NULL)
    g_string_append (out, "the host does not resolve (DNS error, status 0)\n");
  else
    {
      g_string_append_printf (out, "Service %s, round-robin over:", service->fqdn);
      for (guint i = 0; i < service->endpoints->len; i++)
        g_string_append_printf (out, " %s", ((MsPod *) service->endpoints->pdata[i])->name);
      g_string_append (out, "\n");
      /* What the servers' sidecars make of a plaintext client. */
      for (guint i = 0; i < service->endpoints->len; i++)
        ms_mesh_explain_server (w->mesh, service->endpoints->pdata[i], request, out);
    }
  return TRUE;
}
