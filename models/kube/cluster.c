/* models/kube/cluster.c - pods, Services, DNS and the network hop.
 *
 * A hop is modelled as: the request travels one sampled network latency to
 * the target pod; if the pod is crashed or gone the connection is refused
 * (the caller learns it one latency later, like an RST); otherwise the pod's
 * inbound hook takes it.  The response travels one latency back.  The hop
 * opens a child exchange for the server side, so the server's answer and
 * the client's view are separate objects, exactly the seam a sidecar needs.
 *
 * Failures found before anything is sent (no such host, no endpoints) are
 * reported from a zero-delay event, never from inside ms_pod_send(), so a
 * caller is never re-entered while it is still sending.
 */
#include "models/kube/cluster.h"

#include "models/apps/model.h"
#include "sim/io/read.h"

#include <string.h>

struct _MsCluster {
  MsSim *sim;
  MsExchangePool *pool;
  MsDist network_latency;
  GPtrArray *deployments;     /* MsDeployment *, owned, in scenario order */
  GPtrArray *services;        /* MsService *, owned, in scenario order */
  GPtrArray *clients;         /* MsPod *, owned */
  GHashTable *service_by_dns; /* "name.namespace" -> MsService * */
  GHashTable *pod_by_name;    /* pod name -> MsPod * (first wins) */
  MsPodSetup setup;
  gpointer setup_data;
  guint generation;
  const MsTracer *tracer;
};

static void
pod_free (gpointer data)
{
  MsPod *pod = data;
  if (pod->app != NULL)
    pod->app->free (pod->app);
  g_clear_pointer (&pod->dns, g_hash_table_unref);
  g_ptr_array_unref (pod->faults);
  g_free (pod->name);
  g_free (pod);
}

static void
deployment_free (gpointer data)
{
  MsDeployment *d = data;
  g_ptr_array_unref (d->pods);
  g_free (d->name);
  g_free (d->report_name);
  g_free (d->service_account);
  ms_labels_clear (&d->labels);
  if (d->model != NULL)
    ms_model_free (d->model);
  g_free (d);
}

static void
service_free (gpointer data)
{
  MsService *s = data;
  for (guint i = 0; i < s->ports->len; i++)
    g_free (g_array_index (s->ports, MsServicePort, i).name);
  g_array_unref (s->ports);
  g_ptr_array_unref (s->endpoints);
  ms_labels_clear (&s->selector);
  g_free (s->status);
  g_free (s->name);
  g_free (s->fqdn);
  g_free (s->report_name);
  g_free (s);
}

MsCluster *
ms_cluster_new (MsSim *sim)
{
  MsCluster *c = g_new0 (MsCluster, 1);
  c->sim = sim;
  c->pool = ms_exchange_pool_new ();
  c->network_latency = ms_dist_fixed (100);
  c->deployments = g_ptr_array_new_with_free_func (deployment_free);
  c->services = g_ptr_array_new_with_free_func (service_free);
  c->clients = g_ptr_array_new_with_free_func (pod_free);
  c->service_by_dns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c->pod_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return c;
}

void
ms_cluster_free (MsCluster *c)
{
  if (c == NULL)
    return;
  g_hash_table_unref (c->pod_by_name);
  g_hash_table_unref (c->service_by_dns);
  g_ptr_array_unref (c->clients);
  g_ptr_array_unref (c->services);
  g_ptr_array_unref (c->deployments);
  ms_exchange_pool_free (c->pool);
  g_free (c);
}

MsSim *
ms_cluster_sim (const MsCluster *c)
{
  return c->sim;
}

MsExchangePool *
ms_cluster_pool (const MsCluster *c)
{
  return c->pool;
}

void
ms_cluster_set_network_latency (MsCluster *c, const MsDist *latency)
{
  c->network_latency = *latency;
}

static void
labels_copy (MsLabels *to, const MsLabels *from)
{
  to->n = from->n;
  to->keys = g_new0 (char *, from->n + 1);
  to->values = g_new0 (char *, from->n + 1);
  for (guint i = 0; i < from->n; i++)
    {
      to->keys[i] = g_strdup (from->keys[i]);
      to->values[i] = g_strdup (from->values[i]);
    }
}

/* stream names the pod's random stream; it includes the namespace for
 * Deployment pods, so equal names in two namespaces draw differently. */
static MsPod *
pod_new (MsCluster *c, const char *namespace_, const char *name, const char *stream)
{
  MsPod *pod = g_new0 (MsPod, 1);
  pod->cluster = c;
  pod->name = g_strdup (name);
  pod->namespace_ = namespace_ ? g_intern_string (namespace_) : NULL;
  pod->version = "unknown";
  pod->outbound = ms_cluster_outbound_direct;
  pod->inbound = ms_pod_inbound_direct;
  pod->faults = g_ptr_array_new ();
  ms_sim_random_stream (c->sim, &pod->random, stream);
  if (!g_hash_table_contains (c->pod_by_name, pod->name))
    g_hash_table_insert (c->pod_by_name, pod->name, pod);
  return pod;
}

static MsPod *
deployment_pod_new (MsCluster *c, MsDeployment *d, int index)
{
  g_autofree char *name = g_strdup_printf ("%s-%d", d->name, index);
  g_autofree char *stream = g_strdup_printf ("%s/%s", d->namespace_, name);
  MsPod *pod = pod_new (c, d->namespace_, name, stream);
  pod->deployment = d;
  pod->labels = &d->labels;
  pod->index = index;
  const char *version = ms_labels_get (&d->labels, "version");
  if (version != NULL)
    pod->version = g_intern_string (version);
  return pod;
}

MsDeployment *
ms_cluster_add_deployment (MsCluster *c, const char *namespace_, const char *name,
                           const MsLabels *labels, int replicas)
{
  MsDeployment *d = g_new0 (MsDeployment, 1);
  d->name = g_strdup (name);
  d->namespace_ = g_intern_string (namespace_);
  d->report_name = g_strdup (name);
  labels_copy (&d->labels, labels);
  d->replicas = replicas;
  d->pods = g_ptr_array_new_with_free_func (pod_free);
  for (int i = 0; i < replicas; i++)
    g_ptr_array_add (d->pods, deployment_pod_new (c, d, i));
  g_ptr_array_add (c->deployments, d);
  return d;
}

MsService *
ms_cluster_add_service (MsCluster *c, const char *namespace_, const char *name,
                        const MsLabels *selector)
{
  MsService *s = g_new0 (MsService, 1);
  s->name = g_strdup (name);
  s->namespace_ = g_intern_string (namespace_);
  s->fqdn = g_strdup_printf ("%s.%s.svc.cluster.local", name, namespace_);
  s->report_name = g_strdup (name);
  labels_copy (&s->selector, selector);
  s->ports = g_array_new (FALSE, TRUE, sizeof (MsServicePort));
  s->endpoints = g_ptr_array_new ();
  s->status = g_new0 (guint64, MS_STATUS_MAX);
  g_ptr_array_add (c->services, s);
  g_hash_table_insert (c->service_by_dns, g_strdup_printf ("%s.%s", name, namespace_), s);
  return s;
}

void
ms_service_add_port (MsService *s, int port, int target_port, const char *name)
{
  MsServicePort p = { port, target_port, g_strdup (name) };
  g_array_append_val (s->ports, p);
}

gboolean
ms_service_has_port (const MsService *s, int port)
{
  for (guint i = 0; i < s->ports->len; i++)
    if (g_array_index (s->ports, MsServicePort, i).port == port)
      return TRUE;
  return FALSE;
}

MsPod *
ms_cluster_add_client (MsCluster *c, const char *namespace_, const char *name)
{
  MsPod *pod = pod_new (c, namespace_, name, name);
  g_ptr_array_add (c->clients, pod);
  return pod;
}

guint
ms_cluster_generation (const MsCluster *c)
{
  return c->generation;
}

void
ms_cluster_update_endpoints (MsCluster *c)
{
  c->generation++;
  for (guint i = 0; i < c->services->len; i++)
    {
      MsService *s = c->services->pdata[i];
      g_ptr_array_set_size (s->endpoints, 0);
      for (guint d = 0; d < c->deployments->len; d++)
        {
          MsDeployment *dep = c->deployments->pdata[d];
          if (dep->namespace_ != s->namespace_ || !ms_labels_match (&dep->labels, &s->selector))
            continue;
          for (guint p = 0; p < dep->pods->len; p++)
            {
              MsPod *pod = dep->pods->pdata[p];
              if (!pod->terminating)
                g_ptr_array_add (s->endpoints, pod);
            }
        }
      if (s->next_endpoint >= s->endpoints->len)
        s->next_endpoint = 0;
    }
}

void
ms_cluster_set_pod_setup (MsCluster *c, MsPodSetup setup, gpointer data)
{
  c->setup = setup;
  c->setup_data = data;
}

void
ms_deployment_scale (MsCluster *c, MsDeployment *d, int replicas)
{
  for (int i = 0; i < replicas; i++)
    {
      if ((guint) i < d->pods->len)
        {
          MsPod *pod = d->pods->pdata[i];
          pod->terminating = FALSE;
          continue;
        }
      MsPod *pod = deployment_pod_new (c, d, i);
      g_ptr_array_add (d->pods, pod);
      if (c->setup != NULL)
        c->setup (pod, c->setup_data);
    }
  /* Scaling down: the highest indices go first, as a ReplicaSet picks the
   * newest pods.  They finish what they hold but get nothing new. */
  for (guint i = (guint) replicas; i < d->pods->len; i++)
    ((MsPod *) d->pods->pdata[i])->terminating = TRUE;
  d->replicas = replicas;
  ms_cluster_update_endpoints (c);
}

MsService *
ms_cluster_resolve (const MsCluster *c, const char *host, const char *from_namespace)
{
  /* The search path of a pod's resolv.conf: <ns>.svc.cluster.local,
   * svc.cluster.local, cluster.local. */
  const char *dot = strchr (host, '.');
  if (dot == NULL)
    {
      g_autofree char *key = g_strdup_printf ("%s.%s", host,
                                              from_namespace ? from_namespace : "default");
      return g_hash_table_lookup (c->service_by_dns, key);
    }
  g_autofree char *key = NULL;
  if (g_str_has_suffix (host, ".svc.cluster.local"))
    key = g_strndup (host, strlen (host) - strlen (".svc.cluster.local"));
  else if (g_str_has_suffix (host, ".svc"))
    key = g_strndup (host, strlen (host) - strlen (".svc"));
  else
    key = g_strdup (host);
  if (strchr (key, '.') != strrchr (key, '.'))
    return NULL;
  return g_hash_table_lookup (c->service_by_dns, key);
}

MsDeployment *
ms_cluster_find_deployment (const MsCluster *c, const char *name)
{
  const char *slash = strchr (name, '/');
  for (guint i = 0; i < c->deployments->len; i++)
    {
      MsDeployment *d = c->deployments->pdata[i];
      if (slash == NULL ? g_str_equal (d->name, name)
                        : (strncmp (d->namespace_, name, slash - name) == 0
                           && d->namespace_[slash - name] == '\0'
                           && g_str_equal (d->name, slash + 1)))
        return d;
    }
  return NULL;
}

MsService *
ms_cluster_find_service (const MsCluster *c, const char *name)
{
  for (guint i = 0; i < c->services->len; i++)
    {
      MsService *s = c->services->pdata[i];
      if (g_str_equal (s->name, name) || g_str_equal (s->report_name, name))
        return s;
    }
  return NULL;
}

MsPod *
ms_cluster_find_pod (const MsCluster *c, const char *name)
{
  return g_hash_table_lookup (c->pod_by_name, name);
}

const GPtrArray *
ms_cluster_deployments (const MsCluster *c)
{
  return c->deployments;
}

const GPtrArray *
ms_cluster_services (const MsCluster *c)
{
  return c->services;
}

MsService *
ms_cluster_check_url (const MsCluster *c, const MsUrl *url, const char *namespace_,
                      const MsNode *url_node, int *port, GError **error)
{
  MsService *service = ms_cluster_resolve (c, url->host, namespace_);
  const char *from = namespace_ ? namespace_ : "outside the cluster";
  if (service == NULL)
    {
      g_autoptr (GPtrArray) names = g_ptr_array_new ();
      for (guint s = 0; s < c->services->len; s++)
        g_ptr_array_add (names, ((MsService *) c->services->pdata[s])->name);
      g_ptr_array_add (names, NULL);
      const char *guess = ms_read_suggest (url->host, (const char *const *) names->pdata);
      if (guess != NULL && !g_str_equal (guess, url->host))
        {
          ms_read_fail (error, url_node, MS_SCENARIO_ERROR_REFERENCE,
                        "no Service \"%s\" is reachable from %s; did you mean \"%s\"?",
                        url->host, from, guess);
          return NULL;
        }
      ms_read_fail (error, url_node, MS_SCENARIO_ERROR_REFERENCE,
                    "no Service \"%s\" is reachable from %s; define one, or write "
                    "<name>.<namespace> for a Service in another namespace", url->host, from);
      return NULL;
    }
  int wanted = url->port ? url->port : 80;
  if (!ms_service_has_port (service, wanted))
    {
      int first = g_array_index (service->ports, MsServicePort, 0).port;
      ms_read_fail (error, url_node, MS_SCENARIO_ERROR_REFERENCE,
                    "Service %s has no port %d; write \"http://%s:%d%s\"", service->name,
                    wanted, url->host, first, url->path);
      return NULL;
    }
  *port = wanted;
  return service;
}

void
ms_cluster_set_tracer (MsCluster *c, const MsTracer *tracer)
{
  c->tracer = tracer;
}

const MsTracer *
ms_cluster_tracer (const MsCluster *c)
{
  return c->tracer;
}

MsService *
ms_pod_resolve (MsPod *pod, const char *host)
{
  if (pod->dns == NULL)
    pod->dns = g_hash_table_new (NULL, NULL);
  gpointer hit = g_hash_table_lookup (pod->dns, host);
  if (hit != NULL)
    return hit == (gpointer) pod ? NULL : hit;
  MsService *service = ms_cluster_resolve (pod->cluster, host, pod->namespace_);
  g_hash_table_insert (pod->dns, (gpointer) host, service ? (gpointer) service : (gpointer) pod);
  return service;
}

/* The send path. */

void
ms_pod_send (MsPod *pod, MsExchange *exchange)
{
  pod->outbound (pod, exchange, pod->outbound_data);
}

static void
finish_refused (MsSim *sim, gpointer data)
{
  (void) sim;
  MsExchange *ex = data;
  ms_exchange_finish (ex, 0, 0, ex->reset, NULL);
  ms_exchange_unref (ex);
}

/* Fails ex from a zero-delay event (see the file comment). */
static void
fail_later (MsCluster *c, MsExchange *ex, MsReset reset, MsTime delay)
{
  ex->reset = reset;
  ms_sim_schedule (c->sim, delay, finish_refused, ms_exchange_ref (ex));
}

void
ms_cluster_outbound_direct (MsPod *pod, MsExchange *ex, gpointer unused)
{
  (void) unused;
  MsCluster *c = pod->cluster;
  MsService *service = ms_pod_resolve (pod, ex->request->host);
  if (service == NULL)
    {
      fail_later (c, ex, MS_RESET_DNS, 0);
      return;
    }
  ex->service = service;
  if (!ms_service_has_port (service, ex->request->port) || service->endpoints->len == 0)
    {
      /* kube-proxy has nothing to forward to: the connection is refused. */
      fail_later (c, ex, MS_RESET_CONNECT_FAILURE, 0);
      return;
    }
  MsPod *target = service->endpoints->pdata[service->next_endpoint];
  if (++service->next_endpoint >= service->endpoints->len)
    service->next_endpoint = 0;
  ms_cluster_connect (pod, target, service, ex);
}

/* At least a microsecond per hop: a client that retries at once on an
 * instant error would otherwise loop forever at one instant. */
MsTime
ms_cluster_hop_latency (MsCluster *c, MsRandom *random)
{
  return MAX (ms_dist_sample (&c->network_latency, random), 1);
}

/* The client's side of a hop finishes when the response has travelled
 * back.  The outcome was copied into it by hop_reply. */
static void
hop_deliver (MsSim *sim, gpointer data)
{
  (void) sim;
  MsExchange *client = data;
  ms_exchange_finish (client, client->status, 0, client->reset, NULL);
  ms_exchange_unref (client);
}

static void
hop_reply (MsExchange *server, gpointer data)
{
  MsExchange *client = data;
  MsCluster *c = server->upstream->cluster;
  if (server->service != NULL)
    server->service->status[CLAMP (server->status, 0, MS_STATUS_MAX - 1)]++;
  client->status = server->status;
  client->flags |= server->flags;
  client->reset = server->reset;
  client->upstream = server->upstream;
  if (server->body != NULL)
    client->body = ms_body_ref (server->body);
  MsTime latency = ms_cluster_hop_latency (c, &server->upstream->random);
  ms_sim_schedule (c->sim, latency, hop_deliver, client);
  ms_exchange_unref (server);
}

static void
hop_arrive (MsSim *sim, gpointer data)
{
  (void) sim;
  MsExchange *server = data;
  MsPod *target = server->upstream;
  if (target->terminating || ms_pod_crashed (target))
    {
      ms_exchange_finish (server, 0, 0, MS_RESET_CONNECT_FAILURE, NULL);
      return;
    }
  target->requests++;
  if (server->service != NULL)
    server->service->requests++;
  target->inbound (target, server, target->inbound_data);
}

void
ms_cluster_connect (MsPod *from, MsPod *target, MsService *service, MsExchange *ex)
{
  MsCluster *c = from->cluster;
  MsExchange *server = ms_exchange_new (c->pool, ex->request, from, ms_sim_now (c->sim),
                                        hop_reply, ms_exchange_ref (ex));
  server->upstream = target;
  server->service = service;
  server->mtls = ex->mtls;
  server->peer_principal = ex->peer_principal;
  ex->service = service;
  MsTime latency = ms_cluster_hop_latency (c, &from->random);
  ms_sim_schedule (c->sim, latency, hop_arrive, server);
}

/* The receive path. */

static void
handle_delayed (MsSim *sim, gpointer data)
{
  (void) sim;
  MsExchange *ex = data;
  MsPod *pod = ex->upstream;
  if (pod->app != NULL)
    pod->app->handle (pod->app, pod, ex);
  else
    ms_exchange_finish (ex, 0, 0, MS_RESET_CONNECT_FAILURE, NULL);
}

void
ms_pod_deliver (MsPod *pod, MsExchange *ex)
{
  MsTime delay = 0;
  ex->upstream = pod;
  for (guint i = 0; i < pod->faults->len; i++)
    {
      const MsPodFault *f = pod->faults->pdata[i];
      if (f->error_status != 0 && ms_random_chance (&pod->random, f->error_fraction))
        {
          ms_exchange_finish (ex, f->error_status, 0, MS_RESET_NONE, NULL);
          return;
        }
      if (f->delay > 0 && ms_random_chance (&pod->random, f->delay_fraction))
        delay += f->delay;
    }
  if (delay > 0)
    {
      ms_sim_schedule (pod->cluster->sim, delay, handle_delayed, ex);
      return;
    }
  handle_delayed (pod->cluster->sim, ex);
}

void
ms_pod_inbound_direct (MsPod *pod, MsExchange *ex, gpointer unused)
{
  (void) unused;
  /* A TLS client against a plaintext server: the handshake fails and the
   * connection is reset. */
  if (ex->mtls)
    {
      ms_exchange_finish (ex, 0, 0, MS_RESET_CONNECTION_TERMINATION, NULL);
      return;
    }
  ms_pod_deliver (pod, ex);
}

/* Tells the pod's model that its process died or came back, on the
 * transitions only: overlapping crash faults are one crash. */
static void
crash_changed (MsPod *pod, gboolean was_crashed)
{
  gboolean crashed = ms_pod_crashed (pod);
  MsModel *model = pod->deployment ? pod->deployment->model : NULL;
  if (crashed == was_crashed || model == NULL || pod->app == NULL)
    return;
  if (crashed && model->klass->crash != NULL)
    model->klass->crash (model, pod);
  else if (!crashed && model->klass->restart != NULL)
    model->klass->restart (model, pod);
}

void
ms_pod_add_fault (MsPod *pod, const MsPodFault *fault)
{
  gboolean was_crashed = ms_pod_crashed (pod);
  g_ptr_array_add (pod->faults, (gpointer) fault);
  crash_changed (pod, was_crashed);
}

void
ms_pod_remove_fault (MsPod *pod, const MsPodFault *fault)
{
  gboolean was_crashed = ms_pod_crashed (pod);
  g_ptr_array_remove (pod->faults, (gpointer) fault);
  crash_changed (pod, was_crashed);
}

gboolean
ms_pod_crashed (const MsPod *pod)
{
  for (guint i = 0; i < pod->faults->len; i++)
    if (((const MsPodFault *) pod->faults->pdata[i])->crash)
      return TRUE;
  return FALSE;
}
