/* sim/io/manifest.c - Kubernetes and Istio objects, as kubectl reads them.
 *
 * Namespace, Deployment, Service and ConfigMap are read into config structs
 * and checked where meshsim relies on them (a typo in `replicas` changes
 * the simulation, so it is an error).  Fields meshsim does not model (a
 * container's image, env, probes) are accepted as they are: manifests are
 * written for real clusters.  Istio kinds are recognised, their apiVersion
 * checked, and kept as trees for the mesh models.  Any other kind is
 * ignored with a warning, never silently.
 */
#include "sim/io/scenario.h"

#include "sim/io/read.h"

#include <string.h>

static const char *const istio_kinds[] = {
  "Gateway", "VirtualService", "DestinationRule", "PeerAuthentication",
  "AuthorizationPolicy", "ServiceEntry", "Sidecar", "EnvoyFilter",
  "RequestAuthentication", "Telemetry", "WorkloadEntry", "WorkloadGroup", NULL,
};

static const char *const kube_kinds[] = {
  "Namespace", "Deployment", "Service", "ConfigMap", "ServiceAccount", NULL,
};

const char *
ms_labels_get (const MsLabels *labels, const char *key)
{
  for (guint i = 0; i < labels->n; i++)
    if (g_str_equal (labels->keys[i], key))
      return labels->values[i];
  return NULL;
}

gboolean
ms_labels_match (const MsLabels *labels, const MsLabels *selector)
{
  if (selector->n == 0)
    return FALSE;
  for (guint i = 0; i < selector->n; i++)
    {
      const char *value = ms_labels_get (labels, selector->keys[i]);
      if (value == NULL || !g_str_equal (value, selector->values[i]))
        return FALSE;
    }
  return TRUE;
}

void
ms_labels_clear (MsLabels *labels)
{
  for (guint i = 0; i < labels->n; i++)
    {
      g_free (labels->keys[i]);
      g_free (labels->values[i]);
    }
  g_clear_pointer (&labels->keys, g_free);
  g_clear_pointer (&labels->values, g_free);
  labels->n = 0;
}

gboolean
ms_read_labels (const MsNode *object, const char *key, MsLabels *out, GError **error)
{
  const MsNode *map;
  if (!ms_read_child (object, key, MS_NODE_OBJECT, FALSE, &map, error))
    return FALSE;
  if (map == NULL)
    return TRUE;
  out->n = map->children->len;
  out->keys = g_new0 (char *, out->n + 1);
  out->values = g_new0 (char *, out->n + 1);
  for (guint i = 0; i < map->children->len; i++)
    {
      const MsNode *child = map->children->pdata[i];
      if (!ms_read_expect (child, MS_NODE_STRING, error))
        {
          out->n = i;
          return FALSE;
        }
      out->keys[i] = g_strdup (child->key);
      out->values[i] = g_strdup (child->text);
    }
  return TRUE;
}

static void
deployment_free (gpointer data)
{
  MsDeploymentConfig *d = data;
  g_free (d->name);
  g_free (d->service_account);
  ms_labels_clear (&d->labels);
  g_ptr_array_unref (d->config_maps);
  g_free (d);
}

static void
service_free (gpointer data)
{
  MsServiceConfig *s = data;
  g_free (s->name);
  ms_labels_clear (&s->selector);
  for (guint i = 0; i < s->ports->len; i++)
    g_free (g_array_index (s->ports, MsServicePort, i).name);
  g_array_unref (s->ports);
  g_free (s);
}

static void
config_map_free (gpointer data)
{
  MsConfigMapConfig *c = data;
  g_free (c->name);
  ms_labels_clear (&c->data);
  g_free (c);
}

static void
namespace_free (gpointer data)
{
  MsNamespaceConfig *n = data;
  g_free (n->name);
  ms_labels_clear (&n->labels);
  g_free (n);
}

static void
istio_free (gpointer data)
{
  MsIstioConfig *i = data;
  g_free (i->name);
  g_free (i);
}

void
ms_manifest_init (MsScenario *scenario)
{
  scenario->namespaces = g_ptr_array_new_with_free_func (namespace_free);
  scenario->deployments = g_ptr_array_new_with_free_func (deployment_free);
  scenario->services = g_ptr_array_new_with_free_func (service_free);
  scenario->config_maps = g_ptr_array_new_with_free_func (config_map_free);
  scenario->istio_resources = g_ptr_array_new_with_free_func (istio_free);
}

/* Kubernetes object names are DNS labels (RFC 1123): lower case letters,
 * digits and '-', starting and ending alphanumeric, at most 63. */
static gboolean
check_name (const MsNode *node, const char *name, GError **error)
{
  gsize n = strlen (name);
  gboolean ok = n > 0 && n <= 63 && g_ascii_isalnum (name[0]) && g_ascii_isalnum (name[n - 1]);
  for (gsize i = 0; ok && i < n; i++)
    ok = (g_ascii_islower (name[i]) || g_ascii_isdigit (name[i]) || name[i] == '-');
  if (!ok)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "\"%s\" is not a valid name: use at most 63 lower-case letters, "
                         "digits and '-', starting and ending with a letter or digit", name);
  return TRUE;
}

static gboolean
read_deployment (MsScenario *scenario, const MsNode *object, const MsNode *metadata,
                 const char *name, const char *ns, GError **error)
{
  static const char *const spec_fields[] = {
    "replicas", "selector", "template", "strategy", "minReadySeconds",
    "revisionHistoryLimit", "progressDeadlineSeconds", "paused", NULL,
  };
  const MsNode *spec, *template_, *template_meta = NULL, *pod_spec = NULL;
  if (!ms_read_child (object, "spec", MS_NODE_OBJECT, TRUE, &spec, error)
      || !ms_read_object (spec, spec_fields, error)
      || !ms_read_child (spec, "template", MS_NODE_OBJECT, TRUE, &template_, error)
      || !ms_read_child (template_, "metadata", MS_NODE_OBJECT, FALSE, &template_meta, error)
      || !ms_read_child (template_, "spec", MS_NODE_OBJECT, FALSE, &pod_spec, error))
    return FALSE;

  MsDeploymentConfig *d = g_new0 (MsDeploymentConfig, 1);
  d->name = g_strdup (name);
  d->namespace_ = g_intern_string (ns);
  d->replicas = 1;
  d->sidecar = TRUE;
  d->service_account = g_strdup ("default");
  d->config_maps = g_ptr_array_new_with_free_func (g_free);
  d->node = object;
  g_ptr_array_add (scenario->deployments, d);

  /* Past 1000 is meshsim's limit, not a wrong value: Kubernetes takes it. */
  gint64 replicas = 1;
  const MsNode *replicas_node = ms_node_get (spec, "replicas");
  if (replicas_node != NULL && replicas_node->kind == MS_NODE_NUMBER
      && replicas_node->number > 1000)
    return ms_read_fail (error, replicas_node, MS_SCENARIO_ERROR_TOO_LARGE,
                         "%s is beyond meshsim's limit of 1000 replicas", replicas_node->text);
  if (!ms_read_int (spec, "replicas", FALSE, 0, 1000, &replicas, error))
    return FALSE;
  d->replicas = (int) replicas;
  if (template_meta != NULL && !ms_read_labels (template_meta, "labels", &d->labels, error))
    return FALSE;
  if (d->labels.n == 0)
    return ms_read_fail (error, template_, MS_SCENARIO_ERROR_MISSING,
                         "the pod template has no labels, so no Service can select its pods; "
                         "add metadata.labels such as {app: %s}", name);

  /* The selector must select the template, or the API server refuses the
   * Deployment. */
  const MsNode *selector;
  if (!ms_read_child (spec, "selector", MS_NODE_OBJECT, FALSE, &selector, error))
    return FALSE;
  if (selector != NULL)
    {
      g_auto (MsLabels) match = { 0 };
      if (!ms_read_labels (selector, "matchLabels", &match, error))
        return FALSE;
      if (match.n > 0 && !ms_labels_match (&d->labels, &match))
        return ms_read_fail (error, selector, MS_SCENARIO_ERROR_VALUE,
                             "selector does not match the template labels; "
                             "Kubernetes rejects such a Deployment");
    }

  if (template_meta != NULL)
    {
      const MsNode *annotations;
      const char *inject = NULL;
      if (!ms_read_child (template_meta, "annotations", MS_NODE_OBJECT, FALSE, &annotations, error))
        return FALSE;
      if (annotations != NULL
          && !ms_read_string (annotations, "sidecar.istio.io/inject", FALSE, &inject, error))
        return FALSE;
      if (inject != NULL && g_str_equal (inject, "false"))
        d->sidecar = FALSE;
    }

  if (pod_spec != NULL)
    {
      const char *account = NULL;
      const MsNode *volumes;
      if (!ms_read_string (pod_spec, "serviceAccountName", FALSE, &account, error)
          || !ms_read_child (pod_spec, "volumes", MS_NODE_ARRAY, FALSE, &volumes, error))
        return FALSE;
      if (account != NULL)
        {
          g_free (d->service_account);
          d->service_account = g_strdup (account);
        }
      for (guint i = 0; volumes != NULL && i < volumes->children->len; i++)
        {
          const MsNode *volume = volumes->children->pdata[i], *config_map;
          const char *cm_name = NULL;
          if (!ms_read_expect (volume, MS_NODE_OBJECT, error)
              || !ms_read_child (volume, "configMap", MS_NODE_OBJECT, FALSE, &config_map, error))
            return FALSE;
          if (config_map != NULL && !ms_read_string (config_map, "name", TRUE, &cm_name, error))
            return FALSE;
          if (cm_name != NULL)
            g_ptr_array_add (d->config_maps, g_strdup (cm_name));
        }
    }
  (void) metadata;
  return TRUE;
}

static gboolean
read_service (MsScenario *scenario, const MsNode *object, const char *name, const char *ns,
              GError **error)
{
  static const char *const spec_fields[] = {
    "selector", "ports", "type", "clusterIP", "clusterIPs", "sessionAffinity",
    "externalTrafficPolicy", "internalTrafficPolicy", "ipFamilies", "ipFamilyPolicy",
    "publishNotReadyAddresses", "externalName", "loadBalancerIP", NULL,
  };
  static const char *const port_fields[] = {
    "port", "targetPort", "name", "protocol", "appProtocol", "nodePort", NULL,
  };
  const MsNode *spec, *ports;
  if (!ms_read_child (object, "spec", MS_NODE_OBJECT, TRUE, &spec, error)
      || !ms_read_object (spec, spec_fields, error)
      || !ms_read_child (spec, "ports", MS_NODE_ARRAY, TRUE, &ports, error))
    return FALSE;

  MsServiceConfig *s = g_new0 (MsServiceConfig, 1);
  s->name = g_strdup (name);
  s->namespace_ = g_intern_string (ns);
  s->ports = g_array_new (FALSE, TRUE, sizeof (MsServicePort));
  s->node = object;
  g_ptr_array_add (scenario->services, s);

  if (!ms_read_labels (spec, "selector", &s->selector, error))
    return FALSE;
  if (ports->children->len == 0)
    return ms_read_fail (error, ports, MS_SCENARIO_ERROR_VALUE, "a Service needs at least one port");
  for (guint i = 0; i < ports->children->len; i++)
    {
      const MsNode *p = ports->children->pdata[i];
      gint64 port = 0, target = 0;
      const char *port_name = NULL;
      if (!ms_read_object (p, port_fields, error)
          || !ms_read_int (p, "port", TRUE, 1, 65535, &port, error)
          || !ms_read_string (p, "name", FALSE, &port_name, error))
        return FALSE;
      target = port;
      const MsNode *target_node = ms_node_get (p, "targetPort");
      /* A named targetPort refers to a container port; meshsim has no
       * container ports, so the Service port stands in for it. */
      if (target_node != NULL && target_node->kind == MS_NODE_NUMBER
          && !ms_read_int (p, "targetPort", FALSE, 1, 65535, &target, error))
        return FALSE;
      MsServicePort sp = { (int) port, (int) target, g_strdup (port_name) };
      g_array_append_val (s->ports, sp);
    }
  return TRUE;
}

static gboolean
read_config_map (MsScenario *scenario, const MsNode *object, const char *name, const char *ns,
                 GError **error)
{
  MsConfigMapConfig *c = g_new0 (MsConfigMapConfig, 1);
  c->name = g_strdup (name);
  c->namespace_ = g_intern_string (ns);
  c->node = object;
  g_ptr_array_add (scenario->config_maps, c);
  return ms_read_labels (object, "data", &c->data, error);
}

static gboolean
read_namespace (MsScenario *scenario, const MsNode *object, const MsNode *metadata,
                const char *name, GError **error)
{
  MsNamespaceConfig *n = g_new0 (MsNamespaceConfig, 1);
  n->name = g_strdup (name);
  n->node = object;
  g_ptr_array_add (scenario->namespaces, n);
  return ms_read_labels (metadata, "labels", &n->labels, error);
}

/* The did-you-mean guess for an unknown kind, or NULL.  A kind that extends
 * a known one by a word (ServiceMonitor, GatewayClass, DeploymentConfig) is
 * a different, real kind to ignore, not a typo to refuse. */
static const char *
guess_kind (const char *kind)
{
  const char *const *const lists[] = { kube_kinds, istio_kinds };
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      const char *guess = ms_read_suggest (kind, lists[i]);
      if (guess != NULL && g_str_has_prefix (kind, guess) && strlen (kind) > strlen (guess) + 2)
        guess = NULL;
      if (guess != NULL && !g_str_equal (guess, kind))
        return guess;
    }
  return NULL;
}

/* Refuses a second object of the same kind, namespace and name, as
 * `kubectl create` would (apply would merge; a scenario that relies on that
 * is almost always a copy-paste slip). */
static gboolean
check_unique (MsScenario *scenario, const MsNode *object, const char *kind, const char *name,
              const char *ns, GError **error)
{
#define CHECK(array, type)                                                               \
  for (guint i = 0; i < scenario->array->len; i++)                                       \
    {                                                                                    \
      const type *other = scenario->array->pdata[i];                                     \
      if (g_str_equal (other->name, name) && other->namespace_ == g_intern_string (ns))  \
        return ms_read_fail (error, object, MS_SCENARIO_ERROR_VALUE,                     \
                             "%s %s/%s is defined twice (first at %s:%d)", kind, ns,     \
                             name, other->node->file, other->node->line);                \
    }
  if (g_str_equal (kind, "Deployment"))
    CHECK (deployments, MsDeploymentConfig)
  else if (g_str_equal (kind, "Service"))
    CHECK (services, MsServiceConfig)
  else if (g_str_equal (kind, "ConfigMap"))
    CHECK (config_maps, MsConfigMapConfig)
#undef CHECK
  return TRUE;
}

gboolean
ms_scenario_add_resource (MsScenario *scenario, const MsNode *object, GError **error)
{
  const char *kind = NULL, *api_version = NULL, *name = NULL, *ns = "default";
  const MsNode *metadata;

  if (!ms_read_expect (object, MS_NODE_OBJECT, error)
      || !ms_read_string (object, "kind", TRUE, &kind, error)
      || !ms_read_string (object, "apiVersion", TRUE, &api_version, error))
    return FALSE;

  if (g_str_equal (kind, "List"))
    {
      const MsNode *items;
      if (!ms_read_child (object, "items", MS_NODE_ARRAY, TRUE, &items, error))
        return FALSE;
      for (guint i = 0; i < items->children->len; i++)
        if (!ms_scenario_add_resource (scenario, items->children->pdata[i], error))
          return FALSE;
      return TRUE;
    }

  /* Kubernetes' Gateway API reuses the kind Gateway; meshsim does not
   * simulate that API, so its objects are ignored like any other kind. */
  gboolean gateway_api = g_str_has_prefix (api_version, "gateway.networking.k8s.io/");
  gboolean is_istio = !gateway_api && g_strv_contains (istio_kinds, kind);
  gboolean is_kube = !gateway_api && g_strv_contains (kube_kinds, kind);
  if (!is_istio && !is_kube)
    {
      const char *guess = gateway_api ? NULL : guess_kind (kind);
      if (guess != NULL)
        return ms_read_fail (error, ms_node_get (object, "kind"), MS_SCENARIO_ERROR_VALUE,
                             "unknown kind \"%s\", did you mean \"%s\"?", kind, guess);
      g_ptr_array_add (scenario->warnings,
                       g_strdup_printf ("%s:%d:%d: kind %s (%s) is not simulated and is ignored",
                                        object->file, object->line, object->column, kind,
                                        api_version));
      return TRUE;
    }
  if (is_istio)
    {
      static const char *const versions[] = {
        "networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3",
        "security.istio.io/v1", "security.istio.io/v1beta1", "telemetry.istio.io/v1",
        "telemetry.istio.io/v1alpha1", NULL,
      };
      if (!g_strv_contains (versions, api_version))
        return ms_read_fail (error, ms_node_get (object, "apiVersion"), MS_SCENARIO_ERROR_VALUE,
                             "apiVersion \"%s\" is not an Istio API version for %s; use "
                             "networking.istio.io/v1 (or security.istio.io/v1)", api_version, kind);
    }

  if (!ms_read_child (object, "metadata", MS_NODE_OBJECT, TRUE, &metadata, error)
      || !ms_read_string (metadata, "name", TRUE, &name, error)
      || !ms_read_string (metadata, "namespace", FALSE, &ns, error)
      || !check_name (ms_node_get (metadata, "name"), name, error)
      || !check_name (ms_node_get (metadata, "namespace") ? ms_node_get (metadata, "namespace")
                                                          : metadata, ns, error)
      || !check_unique (scenario, object, kind, name, ns, error))
    return FALSE;

  if (is_istio)
    {
      MsIstioConfig *config = g_new0 (MsIstioConfig, 1);
      config->kind = g_intern_string (kind);
      config->name = g_strdup (name);
      config->namespace_ = g_intern_string (ns);
      config->node = object;
      g_ptr_array_add (scenario->istio_resources, config);
      return TRUE;
    }
  if (g_str_equal (kind, "Deployment"))
    return read_deployment (scenario, object, metadata, name, ns, error);
  if (g_str_equal (kind, "Service"))
    return read_service (scenario, object, name, ns, error);
  if (g_str_equal (kind, "ConfigMap"))
    return read_config_map (scenario, object, name, ns, error);
  if (g_str_equal (kind, "Namespace"))
    return read_namespace (scenario, object, metadata, name, error);
  return TRUE;   /* ServiceAccount: its name is all a principal needs */
}
